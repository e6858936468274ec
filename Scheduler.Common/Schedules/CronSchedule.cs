using System.Collections.Concurrent;
using Cronos;

namespace Scheduler.Common.Schedules;

/// <summary>A parsed cron expression in an IANA time zone; DST behaviour is Cronos's.</summary>
public sealed class CronSchedule
{
    // Parsing is cheap but the claim loop asks thousands of times a second for the same few expressions.
    private static readonly ConcurrentDictionary<(string, string), CronSchedule> Cache = new();

    private readonly CronExpression _expression;

    private CronSchedule(string expression, CronExpression parsed, TimeZoneInfo zone)
    {
        Expression = expression;
        _expression = parsed;
        Zone = zone;
    }

    public string Expression { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>True when the expression has a seconds field (6 fields).</summary>
    public bool HasSeconds => Expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6;

    /// <summary>The first occurrence strictly after <paramref name="instant"/>, or null if there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant) =>
        _expression.GetNextOccurrence(instant.ToUniversalTime(), Zone, inclusive: false)?.ToUniversalTime();

    /// <summary>Parses an expression known to be valid (from storage); throws when it is not.</summary>
    public static CronSchedule Parse(string expression, string timeZone) =>
        TryParse(expression, timeZone, out var schedule, out var field, out var error)
            ? schedule
            : throw new FormatException($"{field}: {error}");

    /// <summary>Parses and validates; on failure names the field (<c>cron</c> or <c>timeZone</c>) and the reason.</summary>
    public static bool TryParse(string? expression, string? timeZone, out CronSchedule schedule, out string field, out string error)
    {
        schedule = null!;
        field = "cron";
        error = "";
        timeZone = string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone.Trim();
        expression = expression?.Trim() ?? "";
        if (Cache.TryGetValue((expression, timeZone), out var cached))
        {
            schedule = cached;
            return true;
        }
        if (expression.Length == 0)
        {
            error = "is empty";
            return false;
        }
        if (expression.Length > 256)
        {
            error = "is longer than 256 characters";
            return false;
        }
        var fields = expression.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        CronFormat format;
        if (fields.Length == 1 && expression.StartsWith('@'))
        {
            format = CronFormat.Standard;
        }
        else if (fields.Length is 5 or 6)
        {
            format = fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        }
        else
        {
            error = $"expected 5 or 6 fields, got {fields.Length}";
            return false;
        }

        CronExpression parsed;
        try
        {
            parsed = CronExpression.Parse(string.Join(' ', fields), format);
        }
        catch (CronFormatException e)
        {
            error = $"'{expression}' is not a valid cron expression: {e.Message}";
            return false;
        }

        if (!TryFindZone(timeZone, out var zone))
        {
            field = "timeZone";
            error = $"unknown time zone '{timeZone}'; use an IANA name such as 'Europe/London' or 'UTC'";
            return false;
        }

        schedule = new CronSchedule(string.Join(' ', fields), parsed, zone);
        if (Cache.Count < 10_000)
        {
            Cache[(expression, timeZone)] = schedule;
        }
        return true;
    }

    /// <summary>True for an IANA time zone id this machine knows.</summary>
    public static bool IsKnownZone(string id) => TryFindZone(id, out _);

    private static bool TryFindZone(string id, out TimeZoneInfo zone)
    {
        // IANA names only: Windows ids would also resolve on some platforms but are not portable.
        if (id.Length <= 64 && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found) && found.HasIanaId)
        {
            zone = found;
            return true;
        }
        zone = TimeZoneInfo.Utc;
        return false;
    }
}
