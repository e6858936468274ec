using System.Globalization;
using System.Text.RegularExpressions;
using Scheduler.Common.Calendars;
using Scheduler.Common.Time;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Schedules;

/// <summary>A calendar a request named, as the caller found it (null when the tenant has none of that name).</summary>
public sealed record CalendarReference(Guid Id, BusinessCalendar Calendar);

/// <summary>
/// Validates the timing fields of a schedule or a preview — the base timing, the calendar rule, the window, jitter and
/// catch-up — and reports every field that is wrong at once, each with its reason.
/// </summary>
public static partial class TimingValidator
{
    public static readonly TimeSpan MaxJitter = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaxCatchUpWindow = TimeSpan.FromDays(7);
    public const int MaxBusinessDaysOfMonth = 10;

    private static readonly string[] NonBusinessDays = ["skip", "previous", "next"];
    private static readonly string[] CatchUps = ["latest", "none", "all"];

    [GeneratedRegex(@"(Z|[+-]\d{2}:?\d{2})$", RegexOptions.IgnoreCase)]
    private static partial Regex EndsWithOffset();

    /// <param name="request">The timing fields (other fields are ignored).</param>
    /// <param name="now">The instant it is validated at: one-shots must be after it, windows must hold an occurrence after it.</param>
    /// <param name="calendar">The calendar <see cref="ScheduleRequest.Calendar"/> names, looked up by the caller; null when unknown.</param>
    /// <param name="errors">Where each problem is added, by field.</param>
    public static ScheduleTiming? Validate(ScheduleRequest request, DateTimeOffset now, CalendarReference? calendar, ValidationErrors errors)
    {
        var before = errors.Count;
        var baseTiming = ValidateBase(request, now, errors);
        var isCron = request.Cron is not null;

        BusinessDayRule? rule = null;
        if (request.Calendar is not null || request.NonBusinessDay is not null || request.BusinessDaysOfMonth is not null)
        {
            rule = ValidateBusinessDays(request, isCron, calendar, errors);
        }
        var startAt = OptionalInstant(request.StartAt, "startAt", errors);
        var endAt = OptionalInstant(request.EndAt, "endAt", errors);
        if (startAt is { } s && endAt is { } e && e <= s)
        {
            errors.Add("endAt", $"{Instant(e)} is not after startAt {Instant(s)}");
        }
        else if (endAt is { } end && end <= now)
        {
            errors.Add("endAt", $"{Instant(end)} is in the past (now is {Instant(now)})");
        }
        if ((startAt ?? endAt) is not null && !isCron)
        {
            errors.Add(startAt is not null ? "startAt" : "endAt", "applies only to 'cron' schedules (a one-shot's instant is its window)");
        }

        var jitter = OptionalDuration(request.Jitter, "jitter", MaxJitter, errors);
        if (jitter is not null && request.Manual == true)
        {
            errors.Add("jitter", "does not apply to a manual job: it fires when triggered");
        }
        var catchUp = CatchUpPolicy.Latest;
        if (request.CatchUp is { } policy)
        {
            if (CatchUps.Contains(policy))
            {
                catchUp = Enum.Parse<CatchUpPolicy>(policy, ignoreCase: true);
            }
            else
            {
                errors.Add("catchUp", $"'{ValidationErrors.Excerpt(policy)}' is not a catch-up policy; use one of {string.Join(", ", CatchUps)}");
            }
        }
        var window = OptionalDuration(request.CatchUpWindow, "catchUpWindow", MaxCatchUpWindow, errors);
        if (request.CatchUp == "all" && request.CatchUpWindow is null)
        {
            errors.Add("catchUpWindow", "is required with catchUp 'all' (how far back missed occurrences still fire, e.g. '1h')");
        }
        else if (request.CatchUpWindow is not null && request.CatchUp != "all")
        {
            errors.Add("catchUpWindow", "applies only with catchUp 'all'");
        }
        if (request.CatchUp is not null && !isCron)
        {
            errors.Add("catchUp", "applies only to 'cron' schedules");
        }

        if (baseTiming is null || errors.Count > before)
        {
            return null;
        }
        var timing = baseTiming with
        {
            BusinessDays = rule,
            StartAt = startAt,
            EndAt = endAt,
            Jitter = jitter,
            CatchUp = catchUp,
            CatchUpWindow = window,
        };
        CheckOccurrences(timing, now, calendar?.Calendar, errors);
        return errors.Count > before ? null : timing;
    }

    private static ScheduleTiming? ValidateBase(ScheduleRequest request, DateTimeOffset now, ValidationErrors errors)
    {
        var given = new[] { ("cron", request.Cron is not null), ("runAt", request.RunAt is not null), ("delay", request.Delay is not null), ("manual", request.Manual == true) }
            .Where(f => f.Item2).Select(f => f.Item1).ToList();
        if (request.Manual == false)
        {
            errors.Add("manual", "is either true (a job without a timer) or left out");
        }
        if (given.Count != 1)
        {
            errors.Add("cron", given.Count == 0
                ? "one of 'cron', 'runAt', 'delay' or 'manual: true' is required"
                : $"exactly one of 'cron', 'runAt', 'delay' or 'manual' may be given, got {string.Join(", ", given.Select(g => $"'{g}'"))}");
        }
        // The zone is checked on its own, so that a wrong cron and a wrong zone are both reported.
        var zoneKnown = request.TimeZone is null || CronSchedule.IsKnownZone(request.TimeZone.Trim());
        if (request.TimeZone is not null && request.Cron is null)
        {
            errors.Add("timeZone", "applies only to 'cron' schedules");
        }
        else if (!zoneKnown)
        {
            errors.Add("timeZone", $"unknown time zone '{ValidationErrors.Excerpt(request.TimeZone!)}'; use an IANA name such as 'Europe/London' or 'UTC'");
        }
        if (given.Count != 1)
        {
            return null;
        }

        if (request.Manual == true)
        {
            return ScheduleTiming.Manual;
        }
        if (request.Cron is not null)
        {
            if (!CronSchedule.TryParse(request.Cron, zoneKnown ? request.TimeZone : null, out var cron, out var field, out var error))
            {
                errors.Add(field, error);
                return null;
            }
            if (cron.NextAfter(now) is null)
            {
                errors.Add("cron", $"'{cron.Expression}' never fires after {Instant(now)}");
                return null;
            }
            return zoneKnown ? ScheduleTiming.ForCron(cron) : null;
        }
        if (request.RunAt is not null)
        {
            var text = request.RunAt.Trim();
            if (!EndsWithOffset().IsMatch(text) ||
                !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            {
                errors.Add("runAt", $"'{ValidationErrors.Excerpt(text)}' is not an ISO 8601 instant with an offset, e.g. '2030-01-01T09:00:00Z' or '2030-01-01T10:00:00+01:00'");
                return null;
            }
            if (at < now)
            {
                errors.Add("runAt", $"{Instant(at)} is in the past (now is {Instant(now)})");
                return null;
            }
            if (at > now + ScheduleValidator.MaxHorizon)
            {
                errors.Add("runAt", $"{Instant(at)} is more than 10 years ahead");
                return null;
            }
            return ScheduleTiming.ForRunAt(at);
        }
        if (!Durations.TryParse(request.Delay, out var delay, out var delayError))
        {
            errors.Add("delay", delayError);
            return null;
        }
        if (delay <= TimeSpan.Zero || delay > ScheduleValidator.MaxHorizon)
        {
            errors.Add("delay", $"must be more than zero and at most 10 years, got {Durations.Format(delay)}");
            return null;
        }
        return ScheduleTiming.ForDelay(delay, now);
    }

    private static BusinessDayRule? ValidateBusinessDays(ScheduleRequest request, bool isCron, CalendarReference? calendar, ValidationErrors errors)
    {
        var ok = true;
        if (request.Calendar is null)
        {
            errors.Add("calendar", request.NonBusinessDay is not null
                ? "is required with nonBusinessDay (which calendar says what a business day is)"
                : "is required with businessDaysOfMonth (which calendar says what a business day is)");
            ok = false;
        }
        else if (!isCron)
        {
            errors.Add("calendar", "applies only to 'cron' schedules");
            ok = false;
        }
        else if (calendar is null)
        {
            errors.Add("calendar", $"there is no calendar named '{ValidationErrors.Excerpt(request.Calendar)}'; create it under /api/v1/calendars first");
            ok = false;
        }
        var rule = NonBusinessDay.Skip;
        if (request.NonBusinessDay is { } text)
        {
            if (NonBusinessDays.Contains(text))
            {
                rule = Enum.Parse<NonBusinessDay>(text, ignoreCase: true);
            }
            else
            {
                errors.Add("nonBusinessDay", $"'{ValidationErrors.Excerpt(text)}' is not a rule; use one of {string.Join(", ", NonBusinessDays)}");
                ok = false;
            }
        }
        var days = request.BusinessDaysOfMonth ?? [];
        if (request.BusinessDaysOfMonth is not null)
        {
            if (days.Length is 0 or > MaxBusinessDaysOfMonth)
            {
                errors.Add("businessDaysOfMonth", $"must list 1 to {MaxBusinessDaysOfMonth} positions, got {days.Length}");
                ok = false;
            }
            else if (days.Where(d => d is 0 or > 23 or < -23).ToList() is [var bad, ..])
            {
                errors.Add("businessDaysOfMonth", $"{bad} is not a business day of a month; use 1 to 23 from the start or -1 to -23 from the end");
                ok = false;
            }
            else if (rule != NonBusinessDay.Skip)
            {
                errors.Add("nonBusinessDay", "cannot roll occurrences when only given business days of the month fire (they are business days already)");
                ok = false;
            }
        }
        return ok ? new BusinessDayRule(calendar!.Id, calendar.Calendar.Name, rule, days.Distinct().Order().ToList()) : null;
    }

    /// <summary>
    /// The field to blame and why, when a recurring timing has no occurrence from <paramref name="now"/> (null when it has one,
    /// or is not recurring): a schedule write is refused so, and so is a calendar edit that would leave a schedule so.
    /// </summary>
    public static (string Field, string Reason)? NoOccurrence(ScheduleTiming timing, DateTimeOffset now, BusinessCalendar? calendar)
    {
        if (!timing.IsRecurring || timing.Occurrences(calendar).Upcoming(now, 1).Count > 0)
        {
            return null;
        }
        var field = timing.EndAt is not null || timing.StartAt is not null ? (timing.EndAt is not null ? "endAt" : "startAt")
            : timing.BusinessDays is not null ? "businessDaysOfMonth" : "cron";
        return (field, "the schedule has no occurrence" + (timing.EndAt is { } end ? $" between now and {Instant(end)}" : " in the next two years") +
            (timing.BusinessDays is { } rule ? $" on the business days of {rule.CalendarName}" : ""));
    }

    /// <summary>The timing must fire at least once from now, and jitter must be shorter than the time between occurrences.</summary>
    private static void CheckOccurrences(ScheduleTiming timing, DateTimeOffset now, BusinessCalendar? calendar, ValidationErrors errors)
    {
        if (NoOccurrence(timing, now, calendar) is { } none)
        {
            errors.Add(none.Field, none.Reason);
            return;
        }
        if (!timing.IsRecurring)
        {
            return;
        }
        var upcoming = timing.Occurrences(calendar).Upcoming(now, 50);
        if (timing.Jitter is { } jitter && upcoming.Count > 1)
        {
            var period = upcoming.Zip(upcoming.Skip(1), (a, b) => b - a).Min();
            if (jitter >= period)
            {
                errors.Add("jitter", $"{Durations.Format(jitter)} is not shorter than the {Durations.Format(period)} between occurrences; one would pass the next");
            }
        }
    }

    private static DateTimeOffset? OptionalInstant(string? text, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }
        if (EndsWithOffset().IsMatch(text.Trim()) &&
            DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) &&
            at.Year is >= 2000 and <= 2200)
        {
            return at.ToUniversalTime();
        }
        errors.Add(field, $"'{ValidationErrors.Excerpt(text)}' is not an ISO 8601 instant with an offset (years 2000–2200), e.g. '2030-01-01T09:00:00Z'");
        return null;
    }

    private static TimeSpan? OptionalDuration(string? text, string field, TimeSpan max, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }
        if (!Durations.TryParse(text, out var duration, out var error))
        {
            errors.Add(field, error);
            return null;
        }
        if (duration <= TimeSpan.Zero || duration > max)
        {
            errors.Add(field, $"must be more than zero and at most {Durations.Format(max)}, got {Durations.Format(duration)}");
            return null;
        }
        return duration;
    }

    private static string Instant(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

}
