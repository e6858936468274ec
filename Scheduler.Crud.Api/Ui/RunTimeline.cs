using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;
using Scheduler.Storage.Executions;

namespace Scheduler.Crud.Api.Ui;

/// <summary>A run's Gantt-style timeline as a server-rendered SVG: one row per step execution (every attempt of the run), from its creation to its end.</summary>
public static class RunTimeline
{
    private const int Width = 720;
    private const int Label = 150;
    private const int Row = 20;

    /// <param name="order">The steps in dependency order: rows of one attempt that started together follow it.</param>
    public static IHtmlContent Render(IReadOnlyList<ExecutionRecord> executions, IReadOnlyList<string> order, DateTimeOffset now)
    {
        if (executions.Count == 0)
        {
            return new HtmlString("<p class=\"muted\">No step has started yet.</p>");
        }
        var start = executions.Min(e => e.CreatedAt);
        var end = executions.Max(e => e.CompletedAt ?? now);
        var span = Math.Max(1, (end - start).TotalMilliseconds);
        var scale = (Width - Label - 10) / span;
        var height = executions.Count * Row + 24;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg class=\"gantt\" role=\"img\" viewBox=\"0 0 {Width} {height}\" width=\"100%\" height=\"{height}\" aria-label=\"When each step ran\">");
        var row = 0;
        var position = order.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
        foreach (var e in executions.OrderBy(e => e.RunAttempt).ThenBy(e => e.FirstAttemptAt ?? e.CreatedAt)
                     .ThenBy(e => e.StepId is { } step ? position.GetValueOrDefault(step) : 0))
        {
            var y = row++ * Row + 2;
            var from = Label + ((e.FirstAttemptAt ?? e.CreatedAt) - start).TotalMilliseconds * scale;
            var to = Label + ((e.CompletedAt ?? now) - start).TotalMilliseconds * scale;
            var waited = Label + (e.CreatedAt - start).TotalMilliseconds * scale;
            var name = $"{e.StepId} #{e.RunAttempt}";
            var duration = Show.Milliseconds(((e.CompletedAt ?? now) - (e.FirstAttemptAt ?? e.CreatedAt)).TotalMilliseconds);
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"0\" y=\"{y + 13}\">{WebUtility.HtmlEncode(name)}</text>" +
                $"<line class=\"queued\" x1=\"{waited:0.#}\" y1=\"{y + 9}\" x2=\"{from:0.#}\" y2=\"{y + 9}\"/>" +
                $"<rect class=\"{WebUtility.HtmlEncode(e.Status)}\" x=\"{from:0.#}\" y=\"{y}\" width=\"{Math.Max(2, to - from):0.#}\" height=\"{Row - 6}\">" +
                $"<title>{WebUtility.HtmlEncode($"{name}: {e.Status}, {duration}")}</title></rect>");
        }
        svg.Append(CultureInfo.InvariantCulture,
            $"<text class=\"axis\" x=\"{Label}\" y=\"{height - 4}\">0</text><text class=\"axis\" x=\"{Width - 10}\" y=\"{height - 4}\" text-anchor=\"end\">{WebUtility.HtmlEncode(Show.Milliseconds(span))}</text>");
        return new HtmlString(svg.Append("</svg>").ToString());
    }
}
