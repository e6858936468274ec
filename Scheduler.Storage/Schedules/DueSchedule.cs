using Scheduler.Common.Schedules;
using Scheduler.Common.Targets;

namespace Scheduler.Storage.Schedules;

/// <summary>A schedule locked by a claim.</summary>
internal sealed class DueSchedule
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Tenant { get; init; } = "";
    public string Kind { get; init; } = "";
    public string? Cron { get; init; }
    public string? TimeZone { get; init; }
    public DateTimeOffset? RunAt { get; init; }
    public string Target { get; init; } = "";
    public int MaxAttempts { get; init; }
    public DateTimeOffset NextFireAt { get; init; }

    public TargetSpec TargetSpec => TargetSpec.FromJson(Target);

    public ScheduleTiming Timing => new() { Kind = ScheduleKinds.FromDb(Kind), Cron = Cron, TimeZone = TimeZone, RunAt = RunAt };
}
