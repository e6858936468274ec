namespace Scheduler.WaitEcho.Echo;

/// <summary>The last <see cref="Capacity"/> received triggers, in arrival order.</summary>
public sealed class ReceivedLog(int capacity = 200_000)
{
    private readonly Queue<ReceivedTrigger> _items = new();
    private readonly Lock _lock = new();
    private long _sequence;
    private long _sinceClear;

    public int Capacity { get; } = capacity;

    public ReceivedTrigger Add(ReceivedTrigger trigger)
    {
        lock (_lock)
        {
            trigger = trigger with { Sequence = ++_sequence };
            _sinceClear++;
            _items.Enqueue(trigger);
            if (_items.Count > Capacity)
            {
                _items.Dequeue();
            }
            return trigger;
        }
    }

    public IReadOnlyList<ReceivedTrigger> Find(string? scheduleId, string? executionId, long after, int limit)
    {
        lock (_lock)
        {
            return _items
                .Where(t => t.Sequence > after)
                .Where(t => scheduleId is null || string.Equals(t.ScheduleId, scheduleId, StringComparison.OrdinalIgnoreCase))
                .Where(t => executionId is null || string.Equals(t.ExecutionId, executionId, StringComparison.OrdinalIgnoreCase))
                .Take(limit)
                .ToList();
        }
    }

    public ReceivedSummary Summarize(string? scheduleId)
    {
        lock (_lock)
        {
            var items = _items.Where(t => scheduleId is null || string.Equals(t.ScheduleId, scheduleId, StringComparison.OrdinalIgnoreCase)).ToList();
            var lateness = items.Where(t => t.LatenessMs is not null).Select(t => t.LatenessMs!.Value).Order().ToArray();
            double? At(double p) => lateness.Length == 0 ? null : lateness[Math.Min(lateness.Length - 1, (int)(lateness.Length * p))];
            return new ReceivedSummary(scheduleId is null ? _sinceClear : items.Count, items.Count, items.Select(t => t.ExecutionId).Distinct().Count(), lateness.Count(l => l < 0),
                At(0.5), At(0.95), At(0.99), lateness.Length == 0 ? null : lateness[^1],
                items.Count == 0 ? null : items.Min(t => t.ReceivedAt), items.Count == 0 ? null : items.Max(t => t.ReceivedAt));
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _items.Clear();
            _sinceClear = 0;
        }
    }
}

/// <summary>
/// What <c>/received/summary</c> reports (lateness in milliseconds). Without a filter, <see cref="Received"/> counts every
/// trigger since start or the last clear, kept or not: above <see cref="Count"/> means the log overflowed its capacity.
/// </summary>
public sealed record ReceivedSummary(long Received, int Count, int DistinctExecutions, int Early, double? P50, double? P95, double? P99, double? Max,
    DateTimeOffset? First, DateTimeOffset? Last);
