using System.Globalization;
using Scheduler.Common.Schedules;
using Scheduler.Common.Time;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Backfills;

/// <summary>How a backfill's range is cut into runs.</summary>
public enum BackfillBatch
{
    Occurrence,
    Day,
    Week,
    Month,
}

/// <summary>One run a backfill makes: the interval it covers and its logical date (the interval's end, as a timed occurrence's is).</summary>
public sealed record PlannedRun(DateTimeOffset LogicalDate, DataInterval Interval);

/// <summary>A validated backfill: its range, its runs (oldest first) and how they are run.</summary>
public sealed record BackfillPlan(DateTimeOffset Start, DateTimeOffset End, BackfillBatch Batch, int MaxActiveRuns, bool Rerun, IReadOnlyList<PlannedRun> Runs);

/// <summary>
/// Cuts a range of history into a backfill's runs by the job's timing (its zone and calendar): one per interval between two
/// occurrences that starts in the range, or one per day, week or month the job fires in. Pure.
/// </summary>
public static class BackfillPlanner
{
    /// <summary>The most runs one backfill may make.</summary>
    public const int MaxRuns = 50_000;

    public const int MaxActiveRunsLimit = 100;

    /// <summary>The longest range one backfill may cover.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(3_660);

    private static readonly string[] BatchNames = ["occurrence", "day", "week", "month"];

    /// <param name="timing">The job's timing (null for a workflow: it has none, so it is cut as a manual job, in UTC).</param>
    /// <param name="occurrences">Its occurrence maths, with its calendar.</param>
    public static BackfillPlan? Plan(BackfillRequest request, ScheduleTiming? timing, Occurrences? occurrences, DateTimeOffset now, ValidationErrors errors)
    {
        var zone = timing?.TimeZone is { } id ? TimeZoneInfo.FindSystemTimeZoneById(id) : TimeZoneInfo.Utc;
        var start = Bound(request.Start, "start", zone, errors);
        var end = Bound(request.End, "end", zone, errors);
        var recurring = timing is { IsRecurring: true };
        var batchIndex = request.Batch is null ? (recurring ? 0 : 1) : Array.IndexOf(BatchNames, request.Batch);
        if (batchIndex < 0)
        {
            errors.Add("batch", $"'{ValidationErrors.Excerpt(request.Batch!)}' is not a batch; use one of {string.Join(", ", BatchNames)}");
        }
        var batch = batchIndex < 0 ? BackfillBatch.Occurrence : (BackfillBatch)batchIndex;
        if (timing is { IsRecurring: false, Kind: not ScheduleKind.Manual })
        {
            errors.Add("batch", "a one-shot has no history to backfill; trigger it with a logicalDate instead (POST …/trigger)");
        }
        else if (!recurring && batch == BackfillBatch.Occurrence && batchIndex >= 0)
        {
            errors.Add("batch", $"'occurrence' needs a cron timing, and this {(timing is null ? "workflow" : "manual job")} has none; use day, week or month");
        }
        var maxActive = request.MaxActiveRuns ?? 1;
        if (maxActive is < 1 or > MaxActiveRunsLimit)
        {
            errors.Add("maxActiveRuns", $"must be between 1 and {MaxActiveRunsLimit}, got {maxActive}");
        }
        if (start is { } s && end is { } e)
        {
            if (e <= s)
            {
                errors.Add("end", $"must be after start ({s:O}), got {e:O}");
            }
            else if (e - s > MaxRange)
            {
                errors.Add("end", $"the range is {(e - s).TotalDays:0} days long; a backfill covers at most {MaxRange.TotalDays:0} days (about ten years)");
            }
            if (e > now)
            {
                errors.Add("end", $"is in the future ({e:O}); a backfill runs history, and the job's own timing runs what is to come");
            }
        }
        if (!errors.IsValid)
        {
            return null;
        }
        var runs = batch == BackfillBatch.Occurrence
            ? ByOccurrence(occurrences!, start!.Value, end!.Value, now, errors)
            : ByPeriod(batch, recurring ? occurrences : null, zone, start!.Value, end!.Value, errors);
        if (errors.IsValid && runs.Count == 0)
        {
            errors.Add("start", $"the range {start:O} – {end:O} holds no {(batch == BackfillBatch.Occurrence ? "interval" : BatchNames[batchIndex])} of this job to run");
        }
        return errors.IsValid ? new BackfillPlan(start!.Value, end!.Value, batch, maxActive, request.Rerun ?? false, runs) : null;
    }

    // The intervals that start in the range (as Airflow's backfill picks logical dates), each up to the next occurrence, and
    // only those that have ended by now: a daily 02:00 job's "last week" is seven runs, Monday 02:00 to the next Monday 02:00.
    private static List<PlannedRun> ByOccurrence(Occurrences occurrences, DateTimeOffset start, DateTimeOffset end, DateTimeOffset now, ValidationErrors errors)
    {
        var runs = new List<PlannedRun>();
        for (var from = occurrences.AtOrAfter(start); from is { } at && at < end && occurrences.NextAfter(at) is { } to && to <= now; from = to)
        {
            if (runs.Count == MaxRuns)
            {
                errors.Add("end", $"the range holds more than {MaxRuns} runs; split it, or use a larger batch (day, week, month)");
                return runs;
            }
            runs.Add(new PlannedRun(to, new DataInterval(at, to)));
        }
        return runs;
    }

    private static List<PlannedRun> ByPeriod(BackfillBatch batch, Occurrences? occurrences, TimeZoneInfo zone, DateTimeOffset start, DateTimeOffset end,
        ValidationErrors errors)
    {
        if (occurrences is not null && ShortestGap(occurrences, start, end) is { } gap && gap > Nominal(batch))
        {
            errors.Add("batch", $"the job fires at most every {Durations.Format(gap)}, so most {batch.ToString().ToLowerInvariant()}s would have no run; " +
                "use occurrence or a longer batch");
            return [];
        }
        var runs = new List<PlannedRun>();
        var day = PeriodStart(batch, DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, zone).DateTime));
        var periodStart = ZoneTime.ToInstant(day, TimeOnly.MinValue, zone);
        if (periodStart < start)
        {
            day = Advance(batch, day);
            periodStart = ZoneTime.ToInstant(day, TimeOnly.MinValue, zone);
        }
        while (true)
        {
            var nextDay = Advance(batch, day);
            var periodEnd = ZoneTime.ToInstant(nextDay, TimeOnly.MinValue, zone);
            if (periodEnd > end)
            {
                return runs;
            }
            // A period has a run when the job fires in it (a holiday its calendar skips has none).
            if (occurrences is null || occurrences.AtOrAfter(periodStart) is { } at && at < periodEnd)
            {
                if (runs.Count == MaxRuns)
                {
                    errors.Add("end", $"the range holds more than {MaxRuns} runs; split it, or use a larger batch");
                    return runs;
                }
                runs.Add(new PlannedRun(periodEnd, new DataInterval(periodStart, periodEnd)));
            }
            (day, periodStart) = (nextDay, periodEnd);
        }
    }

    /// <summary>The shortest gap between the job's first occurrences from <paramref name="start"/> (at most 100 looked at).</summary>
    private static TimeSpan? ShortestGap(Occurrences occurrences, DateTimeOffset start, DateTimeOffset end)
    {
        TimeSpan? shortest = null;
        var previous = occurrences.AtOrAfter(start);
        for (var i = 0; i < 100 && previous is { } p && occurrences.NextAfter(p) is { } next; i++, previous = next)
        {
            shortest = shortest is { } s && s <= next - p ? s : next - p;
            if (next > end && i > 0)
            {
                break;
            }
        }
        return shortest;
    }

    private static TimeSpan Nominal(BackfillBatch batch) => batch switch
    {
        BackfillBatch.Day => TimeSpan.FromHours(25),
        BackfillBatch.Week => TimeSpan.FromDays(7) + TimeSpan.FromHours(1),
        _ => TimeSpan.FromDays(31) + TimeSpan.FromHours(1),
    };

    private static DateOnly PeriodStart(BackfillBatch batch, DateOnly day) => batch switch
    {
        BackfillBatch.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        BackfillBatch.Month => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    private static DateOnly Advance(BackfillBatch batch, DateOnly day) => batch switch
    {
        BackfillBatch.Week => day.AddDays(7),
        BackfillBatch.Month => day.AddMonths(1),
        _ => day.AddDays(1),
    };

    private static DateTimeOffset? Bound(string? text, string field, TimeZoneInfo zone, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "is required (an ISO 8601 instant, or a date YYYY-MM-DD read in the job's time zone)");
            return null;
        }
        if (HistoryMode.ParseInstantOrDate(text, zone) is { } at)
        {
            return at;
        }
        errors.Add(field, $"'{ValidationErrors.Excerpt(text)}' is neither an ISO 8601 instant (2026-11-23T00:00:00Z) nor a date (2026-11-23)");
        return null;
    }
}
