using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Scheduler.Crud.Api.Ui;

/// <summary>Small pieces of HTML the pages share.</summary>
public static class Show
{
    /// <summary>
    /// An instant as <c>&lt;time&gt;</c>: UTC in the markup (readable without JavaScript), turned into the viewer's
    /// time zone by ui.js, with UTC kept in the tooltip. <paramref name="relative"/> adds "in 3 min" / "5 s ago".
    /// </summary>
    public static IHtmlContent Time(DateTimeOffset? at, bool relative = false) => Render(at, relative ? " data-relative" : "");

    private static HtmlString Render(DateTimeOffset? at, string relative)
    {
        if (at is not { } value)
        {
            return new HtmlString("<span class=\"muted\">—</span>");
        }
        var utc = value.ToUniversalTime();
        var iso = utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var text = utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        return new HtmlString($"<time datetime=\"{iso}\" title=\"{text}\"{relative}>{text}</time>");
    }

    /// <summary>A duration as people write it (<c>5s</c>, <c>1h30m</c>); the API's JSON keeps ISO 8601 (<c>PT5S</c>).</summary>
    public static string Duration(TimeSpan duration) => Scheduler.Common.Time.Durations.Brief(duration);

    /// <summary>A duration the API wrote as ISO 8601, as people write it.</summary>
    public static string Duration(string? iso) =>
        Scheduler.Common.Time.Durations.TryParse(iso, out var duration, out _) ? Duration(duration) : iso ?? "";

    /// <summary>An instant that has passed (a last outcome, a heartbeat): its relative text never reads "in …", even when the
    /// page is a little ahead of it (an occurrence claimed within the lookahead, clocks a second apart).</summary>
    public static IHtmlContent Ago(DateTimeOffset? at) => Render(at, " data-relative=\"past\"");

    public static string Milliseconds(double? ms) => ms is { } v ? v.ToString(v < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms" : "—";

    /// <summary>A status as a badge: succeeded, dead, pending, delivering, active, paused…</summary>
    public static IHtmlContent Badge(string? status) =>
        status is null ? new HtmlString("<span class=\"muted\">never</span>")
            : new HtmlString($"<span class=\"badge {HtmlEncoder.Default.Encode(status)}\">{HtmlEncoder.Default.Encode(status)}</span>");
}
