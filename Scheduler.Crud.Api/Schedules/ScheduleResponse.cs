using Scheduler.Common.Results;
using Scheduler.Common.Schedules;
using Scheduler.Common.Targets;
using Scheduler.Storage.Schedules;

namespace Scheduler.Crud.Api.Schedules;

/// <summary>A schedule as the API returns it.</summary>
public sealed record ScheduleResponse
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    /// <summary><c>cron</c>, <c>runAt</c>, <c>delay</c> or <c>manual</c> (no timer: fired only when triggered).</summary>
    public required string Kind { get; init; }
    public string? Cron { get; init; }
    public string? TimeZone { get; init; }
    /// <summary>For run-at and delay schedules: the instant it fires (UTC).</summary>
    public DateTimeOffset? RunAt { get; init; }
    public TimeSpan? Delay { get; init; }
    /// <summary>The business-day calendar it follows (by name).</summary>
    public string? Calendar { get; init; }
    /// <summary>With a calendar: <c>skip</c>, <c>previous</c> or <c>next</c>.</summary>
    public string? NonBusinessDay { get; init; }
    /// <summary>With a calendar: the business days of the month it fires on (1 = first, -1 = last).</summary>
    public IReadOnlyList<int>? BusinessDaysOfMonth { get; init; }
    public DateTimeOffset? StartAt { get; init; }
    public DateTimeOffset? EndAt { get; init; }
    public TimeSpan? Jitter { get; init; }
    /// <summary><c>latest</c>, <c>none</c> or <c>all</c> (cron schedules).</summary>
    public string? CatchUp { get; init; }
    public TimeSpan? CatchUpWindow { get; init; }
    /// <summary>The target; secret header values are shown as <c>***</c>.</summary>
    public required TargetSpec Target { get; init; }
    public int MaxAttempts { get; init; }
    /// <summary>Result tracking, when the schedule opted in: runs end when the worker reports.</summary>
    public CompletionRequest? Completion { get; init; }
    /// <summary>The declared parameters (absent when none are).</summary>
    public Dictionary<string, Common.Parameters.ParameterRequest?>? Parameters { get; init; }
    /// <summary><c>active</c>, <c>paused</c> or <c>completed</c>.</summary>
    public required string State { get; init; }
    /// <summary>The next time it fires (UTC); null when nothing is pending.</summary>
    public DateTimeOffset? NextFireAt { get; init; }
    public int Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>When it was last changed (API, UI or manifest); firing is not a change: see <c>lastFiredAt</c>.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The scheduled time of the latest occurrence taken to fire (skipped ones not counted); absent: none yet.</summary>
    public DateTimeOffset? LastFiredAt { get; init; }

    /// <summary>The declarative source that manages it (<c>scheduleman apply --source</c>); absent: made in the API or the UI.</summary>
    public string? ManagedBy { get; init; }

    public static ScheduleResponse From(ScheduleRecord record) => From(record, record.Timing);

    private static ScheduleResponse From(ScheduleRecord record, ScheduleTiming timing) => new()
    {
        Id = record.Id,
        Name = record.Name,
        Description = record.Description,
        Labels = record.LabelMap,
        Kind = record.Kind,
        Cron = record.Cron,
        TimeZone = record.TimeZone,
        RunAt = record.RunAt,
        Delay = record.Delay,
        Calendar = timing.BusinessDays?.CalendarName,
        NonBusinessDay = timing.BusinessDays is { DaysOfMonth.Count: 0 } rule ? rule.NonBusinessDay.ToString().ToLowerInvariant() : null,
        BusinessDaysOfMonth = timing.BusinessDays is { DaysOfMonth.Count: > 0 } nth ? nth.DaysOfMonth : null,
        StartAt = timing.StartAt,
        EndAt = timing.EndAt,
        Jitter = timing.Jitter,
        CatchUp = timing.IsRecurring ? timing.CatchUp.ToString().ToLowerInvariant() : null,
        CatchUpWindow = timing.CatchUpWindow,
        // Secrets are write-only: "***" says one is set (send "***" back on PUT to keep it).
        Target = record.TargetSpec.Redacted(),
        MaxAttempts = record.MaxAttempts,
        Completion = record.Completion is { } completion ? completion.ToRequest() : null,
        Parameters = Common.Parameters.ParameterViews.ToRequest(record.Parameters),
        State = record.State,
        NextFireAt = record.NextFireAt,
        Version = record.Version,
        CreatedAt = record.CreatedAt,
        UpdatedAt = record.UpdatedAt,
        LastFiredAt = record.LastFiredAt,
        ManagedBy = record.ManagedBy,
    };
}

/// <summary>A page of schedules; pass <c>nextCursor</c> as <c>cursor</c> for the next one (absent on the last page).</summary>
public sealed record SchedulePage(IReadOnlyList<ScheduleResponse> Items, string? NextCursor);

