using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;

namespace Scheduler.Common.Time;

/// <summary>
/// Durations as people write them: ISO 8601 (<c>PT90S</c>, <c>P1DT2H</c>) or short forms
/// (<c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c>, <c>250ms</c>). Written back as ISO 8601 for programs (<see cref="Format"/>), in
/// the short form for people (<see cref="Brief"/>).
/// </summary>
public static partial class Durations
{
    [GeneratedRegex(@"^(?:(?<d>\d+)d)?(?:(?<h>\d+)h)?(?:(?<m>\d+)m(?!s))?(?:(?<s>\d+)s)?(?:(?<ms>\d+)ms)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ShortForm();

    /// <summary>Parses a duration; returns false with a reason a person understands.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = default;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty; use ISO 8601 like 'PT90S' or a short form like '90s', '5m', '1h30m'";
            return false;
        }
        text = text.Trim();
        if (text.Length > 64)
        {
            error = "is too long to be a duration";
            return false;
        }
        if (text[0] is 'P' or 'p' or '-')
        {
            if (text[0] == '-')
            {
                error = $"'{text}' is negative; a duration must be positive";
                return false;
            }
            try
            {
                duration = XmlConvert.ToTimeSpan(text.ToUpperInvariant());
                return true;
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                error = $"'{text}' is not an ISO 8601 duration (e.g. 'PT90S', 'PT1H30M', 'P1D')";
                return false;
            }
        }
        var match = ShortForm().Match(text.ToLowerInvariant());
        if (!match.Success || match.Length == 0)
        {
            error = $"'{text}' is not a duration; use ISO 8601 like 'PT90S' or a short form like '90s', '5m', '1h30m'";
            return false;
        }
        try
        {
            duration = checked(
                TimeSpan.FromDays(Part(match, "d")) + TimeSpan.FromHours(Part(match, "h")) +
                TimeSpan.FromMinutes(Part(match, "m")) + TimeSpan.FromSeconds(Part(match, "s")) +
                TimeSpan.FromMilliseconds(Part(match, "ms")));
            return true;
        }
        catch (OverflowException)
        {
            error = $"'{text}' is too large";
            return false;
        }
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration, out var error) ? duration : throw new FormatException($"duration {error}");

    /// <summary>ISO 8601, e.g. <c>PT3S</c>: for the API's JSON, where programs read it.</summary>
    public static string Format(TimeSpan duration) => XmlConvert.ToString(duration);

    /// <summary>The short form, e.g. <c>3s</c>, <c>1h30m</c>, <c>2d</c>, <c>250ms</c>: for people (the UI, descriptions); it parses back.</summary>
    public static string Brief(TimeSpan duration)
    {
        // Below a millisecond, or negative, the short form has no way to say it: ISO 8601 keeps it exact.
        if (duration < TimeSpan.Zero || duration.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            return Format(duration);
        }
        var parts = new (int Count, string Unit)[] { (duration.Days, "d"), (duration.Hours, "h"), (duration.Minutes, "m"), (duration.Seconds, "s"), (duration.Milliseconds, "ms") };
        var text = string.Concat(parts.Where(p => p.Count > 0).Select(p => p.Count.ToString(CultureInfo.InvariantCulture) + p.Unit));
        return text.Length == 0 ? "0s" : text;
    }

    private static long Part(Match match, string group) =>
        match.Groups[group].Success ? long.Parse(match.Groups[group].ValueSpan, CultureInfo.InvariantCulture) : 0;
}
