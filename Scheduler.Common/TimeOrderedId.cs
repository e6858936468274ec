using System.Security.Cryptography;

namespace Scheduler.Common;

/// <summary>
/// UUIDv7 that also keep their order within one millisecond (RFC 9562's counter in <c>rand_a</c>): <see cref="Guid.CreateVersion7(DateTimeOffset)"/>
/// fills those bits at random, so two made in the same millisecond — two runs started at one instant — sort by chance. Where
/// "oldest first by id" decides something (a queue), ids come from here. Monotonic within a process.
/// </summary>
public static class TimeOrderedId
{
    private static readonly Lock Gate = new();
    private static long _lastMs;
    private static int _counter;

    public static Guid New(DateTimeOffset at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        int counter;
        lock (Gate)
        {
            if (ms <= _lastMs)
            {
                ms = _lastMs;
                if (++_counter > 0xFFF)
                {
                    (ms, _counter) = (ms + 1, 0);
                }
            }
            else
            {
                _counter = 0;
            }
            _lastMs = ms;
            counter = _counter;
        }
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }
        bytes[6] = (byte)(0x70 | (counter >> 8));
        bytes[7] = (byte)counter;
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
