using Scheduler.Common.Parameters;
using Scheduler.Common.Results;
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
    public Guid? CalendarId { get; init; }

    /// <summary>The version of the calendar now (joined by the claim), to check the executor's cached copy against.</summary>
    public int? CalendarVersion { get; init; }
    public string? TimingJson { get; init; }
    public string Labels { get; init; } = "{}";
    public string? CompletionJson { get; init; }
    public string? ParametersJson { get; init; }

    /// <summary>What each timed occurrence is given: the declared defaults (null when nothing is declared).</summary>
    public string? DefaultParameters => ParametersJson is null ? null : ParameterValidator.DefaultsJson(ParameterDeclaration.FromJson(ParametersJson));

    /// <summary>With an overlap policy: how many runs of it are unfinished (0, 1, or 2 for more).</summary>
    public long Unfinished { get; init; }

    public Completion? Completion => Completion.FromJson(CompletionJson);

    public TargetSpec TargetSpec => StoredTargets.Parse(Target);

    public IReadOnlyDictionary<string, string> LabelMap =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(Labels, Common.SchedulerJson.Options) ?? [];

    public ScheduleTiming Timing => TimingOptions.Apply(new() { Kind = ScheduleKinds.FromDb(Kind), Cron = Cron, TimeZone = TimeZone, RunAt = RunAt },
        CalendarId, TimingJson);
}
