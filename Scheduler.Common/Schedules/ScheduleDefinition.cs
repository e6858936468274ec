using Scheduler.Common.Calendars;
using Scheduler.Common.Results;
using Scheduler.Common.Targets;

namespace Scheduler.Common.Schedules;

/// <summary>A validated schedule as a user defined it.</summary>
public sealed record ScheduleDefinition
{
    public const int DefaultMaxAttempts = 5;

    public required string Name { get; init; }

    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public required ScheduleTiming Timing { get; init; }

    public required TargetSpec Target { get; init; }

    /// <summary>Delivery attempts before an execution is dead-lettered (1–100, default 5).</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>Result tracking: runs end when the worker reports (or time out); null: a run ends at delivery.</summary>
    public Completion? Completion { get; init; }

    /// <summary>The declared parameters (empty: none declared, any JSON object is taken).</summary>
    public IReadOnlyDictionary<string, Parameters.ParameterSpec> Parameters { get; init; } = new Dictionary<string, Parameters.ParameterSpec>();

    /// <summary>The named secrets the target's headers use (checked to exist by the caller; kept so a secret's deletion can name its users).</summary>
    public IReadOnlyList<string> SecretRefs { get; init; } = [];

    /// <summary>The state asked for (<c>active</c> or <c>paused</c>); null keeps the current one on a replace.</summary>
    public string? State { get; init; }

    /// <summary>The calendar <see cref="ScheduleTiming.BusinessDays"/> names, as it was validated against (not stored with the schedule).</summary>
    public BusinessCalendar? Calendar { get; init; }

    public Occurrences Occurrences => Timing.Occurrences(Calendar);
}
