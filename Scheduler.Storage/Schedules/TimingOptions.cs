using System.Text.Json;
using Scheduler.Common;
using Scheduler.Common.Schedules;
using Scheduler.Common.Time;

namespace Scheduler.Storage.Schedules;

/// <summary>
/// The <c>schedules.timing</c> column: what a timing adds to its base columns (kind, cron, time_zone, run_at, delay) —
/// the calendar rule (its id is <c>calendar_id</c>), the window, jitter and catch-up. Null when it adds nothing.
/// </summary>
internal sealed record TimingOptions
{
    public string? CalendarName { get; init; }
    public string? NonBusinessDay { get; init; }
    public int[]? BusinessDaysOfMonth { get; init; }
    public DateTimeOffset? StartAt { get; init; }
    public DateTimeOffset? EndAt { get; init; }
    public string? Jitter { get; init; }
    public string? CatchUp { get; init; }
    public string? CatchUpWindow { get; init; }

    public static string? ToJson(ScheduleTiming timing)
    {
        var options = new TimingOptions
        {
            CalendarName = timing.BusinessDays?.CalendarName,
            NonBusinessDay = timing.BusinessDays is { } rule ? rule.NonBusinessDay.ToString().ToLowerInvariant() : null,
            BusinessDaysOfMonth = timing.BusinessDays is { DaysOfMonth.Count: > 0 } r ? r.DaysOfMonth.ToArray() : null,
            StartAt = timing.StartAt,
            EndAt = timing.EndAt,
            Jitter = timing.Jitter is { } jitter ? Durations.Format(jitter) : null,
            CatchUp = timing.CatchUp == CatchUpPolicy.Latest ? null : timing.CatchUp.ToString().ToLowerInvariant(),
            CatchUpWindow = timing.CatchUpWindow is { } window ? Durations.Format(window) : null,
        };
        return options == new TimingOptions() ? null : JsonSerializer.Serialize(options, SchedulerJson.Options);
    }

    /// <summary>The whole timing: the base columns with the options of <paramref name="json"/> applied.</summary>
    public static ScheduleTiming Apply(ScheduleTiming timing, Guid? calendarId, string? json)
    {
        if (json is null)
        {
            return timing;
        }
        var options = JsonSerializer.Deserialize<TimingOptions>(json, SchedulerJson.Options)!;
        return timing with
        {
            BusinessDays = calendarId is { } id
                ? new BusinessDayRule(id, options.CalendarName ?? "", Enum.Parse<NonBusinessDay>(options.NonBusinessDay ?? "skip", ignoreCase: true),
                    options.BusinessDaysOfMonth ?? [])
                : null,
            StartAt = options.StartAt,
            EndAt = options.EndAt,
            Jitter = options.Jitter is { } jitter ? Durations.Parse(jitter) : null,
            CatchUp = options.CatchUp is { } catchUp ? Enum.Parse<CatchUpPolicy>(catchUp, ignoreCase: true) : CatchUpPolicy.Latest,
            CatchUpWindow = options.CatchUpWindow is { } window ? Durations.Parse(window) : null,
        };
    }
}
