using System.Collections.Concurrent;

namespace Scheduler.Common.Targets;

/// <summary>
/// Stored targets parsed once per distinct JSON, for the executors: a claim reads each due schedule's target (for its
/// timeout) and each delivery its execution's copy of it, and parsing it was a twentieth of an executor's CPU per trigger.
/// Targets are immutable, and the stored form holds secrets only encrypted, so one parsed value can serve every thread.
/// Bounded: the cache starts afresh once it holds <see cref="Capacity"/> targets.
/// </summary>
public static class StoredTargets
{
    public const int Capacity = 1_000;

    private static readonly ConcurrentDictionary<string, TargetSpec> Parsed = new(StringComparer.Ordinal);
    private static int _count;

    public static TargetSpec Parse(string json)
    {
        if (Parsed.TryGetValue(json, out var target))
        {
            return target;
        }
        target = TargetSpec.FromJson(json);
        if (Interlocked.Increment(ref _count) > Capacity)
        {
            Parsed.Clear();
            Interlocked.Exchange(ref _count, 1);
        }
        Parsed[json] = target;
        return target;
    }
}
