using System.Globalization;
using System.Text;

namespace Scheduler.Storage.Schedules;

/// <summary>How a schedule list is ordered.</summary>
public enum ScheduleSort
{
    /// <summary>Oldest first: ids are version-7 UUIDs, time-ordered to the millisecond (random within one).</summary>
    Created,

    /// <summary>Newest first: the same ids, backwards (the UI's default).</summary>
    Newest,

    /// <summary>Soonest next fire first; schedules with nothing pending last.</summary>
    NextFire,
}

/// <summary>A page request over schedules: filters, order, and where the previous page ended.</summary>
public sealed record ScheduleQuery
{
    public required string Tenant { get; init; }
    public int Limit { get; init; } = 50;
    public string? NameContains { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public string? State { get; init; }
    public string? TargetType { get; init; }
    public DateTimeOffset? NextFireBefore { get; init; }
    public DateTimeOffset? NextFireAfter { get; init; }
    public ScheduleSort Sort { get; init; }
    public ScheduleCursor? After { get; init; }
}

/// <summary>Where a page ended: the last row's sort key. Opaque to clients.</summary>
public sealed record ScheduleCursor(ScheduleSort Sort, Guid Id, DateTimeOffset? NextFireAt)
{
    public static ScheduleCursor For(ScheduleSort sort, ScheduleRecord last) => new(sort, last.Id, last.NextFireAt);

    public string Encode()
    {
        var text = Sort == ScheduleSort.Created ? $"c:{Id:N}"
            : Sort == ScheduleSort.Newest ? $"d:{Id:N}"
            : $"n:{NextFireAt?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "-"}:{Id:N}";
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string? cursor, ScheduleSort sort, out ScheduleCursor? decoded)
    {
        decoded = null;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(padded)).Split(':');
            switch (parts)
            {
                case ["c", var id] when sort == ScheduleSort.Created && Guid.TryParseExact(id, "N", out var g):
                    decoded = new ScheduleCursor(sort, g, null);
                    return true;
                case ["d", var id] when sort == ScheduleSort.Newest && Guid.TryParseExact(id, "N", out var g):
                    decoded = new ScheduleCursor(sort, g, null);
                    return true;
                case ["n", var ticks, var id] when sort == ScheduleSort.NextFire && Guid.TryParseExact(id, "N", out var g):
                    if (ticks == "-")
                    {
                        decoded = new ScheduleCursor(sort, g, null);
                        return true;
                    }
                    if (long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t is >= 0 and <= 3155378975999999999)
                    {
                        decoded = new ScheduleCursor(sort, g, new DateTimeOffset(t, TimeSpan.Zero));
                        return true;
                    }
                    return false;
                default:
                    return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
