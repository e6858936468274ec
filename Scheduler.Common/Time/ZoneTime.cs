namespace Scheduler.Common.Time;

/// <summary>Local dates and times of an IANA zone as instants, across DST changes.</summary>
public static class ZoneTime
{
    /// <summary>
    /// The instant a local date and time stand for in <paramref name="zone"/>. A time in a spring-forward gap moves
    /// forward by the gap (as Cronos fires such occurrences: at the first moment that exists); a time that happens
    /// twice (fall back) is the first of the two.
    /// </summary>
    public static DateTimeOffset ToInstant(DateOnly date, TimeOnly time, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // The offset before the gap applied to the wall time lands just past the gap.
            var before = zone.GetUtcOffset(local.AddHours(-3));
            return new DateTimeOffset(local - before, TimeSpan.Zero);
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
