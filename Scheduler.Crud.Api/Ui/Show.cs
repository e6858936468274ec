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
    public static IHtmlContent Time(DateTimeOffset? at, bool relative = false)
    {
        if (at is not { } value)
        {
            return new HtmlString("<span class=\"muted\">—</span>");
        }
        var utc = value.ToUniversalTime();
        var iso = utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var text = utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        return new HtmlString($"<time datetime=\"{iso}\" title=\"{text}\"{(relative ? " data-relative" : "")}>{text}</time>");
    }

    public static string Milliseconds(double? ms) => ms is { } v ? v.ToString(v < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms" : "—";

    /// <summary>A status as a badge: succeeded, dead, pending, delivering, active, paused…</summary>
    public static IHtmlContent Badge(string? status) =>
        status is null ? new HtmlString("<span class=\"muted\">never</span>")
            : new HtmlString($"<span class=\"badge {HtmlEncoder.Default.Encode(status)}\">{HtmlEncoder.Default.Encode(status)}</span>");
}
