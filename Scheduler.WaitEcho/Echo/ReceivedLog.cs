namespace Scheduler.WaitEcho.Echo;

/// <summary>The last <see cref="Capacity"/> received triggers, in arrival order.</summary>
public sealed class ReceivedLog(int capacity = 200_000)
{
    private readonly Queue<ReceivedTrigger> _items = new();
    private readonly Lock _lock = new();
    private long _sequence;

    public int Capacity { get; } = capacity;

    public ReceivedTrigger Add(ReceivedTrigger trigger)
    {
        lock (_lock)
        {
            trigger = trigger with { Sequence = ++_sequence };
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

    public void Clear()
    {
        lock (_lock)
        {
            _items.Clear();
        }
    }
}
