namespace Scheduler.Common.Schedules;

/// <summary>
/// A stable pseudo-random delay per occurrence: the same schedule and occurrence always get the same delay, on
/// every executor, attempt and preview, so jitter spreads a herd without making anything early or unstable.
/// </summary>
public static class Jitter
{
    /// <summary>A delay in [0, <paramref name="jitter"/>) for this occurrence; zero without jitter.</summary>
    public static TimeSpan For(Guid scheduleId, DateTimeOffset occurrence, TimeSpan? jitter)
    {
        if (jitter is not { Ticks: > 0 } span)
        {
            return TimeSpan.Zero;
        }
        Span<byte> id = stackalloc byte[16];
        scheduleId.TryWriteBytes(id);
        var x = BitConverter.ToUInt64(id[..8]) ^ Mix(BitConverter.ToUInt64(id[8..]) ^ (ulong)occurrence.UtcTicks);
        // Whole milliseconds: what timestamps and headers carry.
        var milliseconds = (long)Math.Max(1, span.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((long)(Mix(x) % (ulong)milliseconds));
    }

    // SplitMix64's finaliser: every input bit moves every output bit.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
