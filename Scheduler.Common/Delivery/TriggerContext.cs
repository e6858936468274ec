namespace Scheduler.Common.Delivery;

/// <summary>What every delivery attempt of one occurrence carries; the execution id is its stable identity.</summary>
public sealed record TriggerContext(
    Guid ExecutionId,
    Guid ScheduleId,
    string ScheduleName,
    DateTimeOffset ScheduledFor,
    int Attempt);
