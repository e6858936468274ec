using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Html;
using Scheduler.Storage.Executions;

namespace Scheduler.Crud.Api.Ui;

/// <summary>Run durations of a schedule's recent runs as a server-rendered SVG bar chart, oldest left, with p50 and p95.</summary>
public static class DurationChart
{
    private const int Width = 600;
    private const int Height = 120;

    public static IHtmlContent Render(IEnumerable<(ExecutionRecord Execution, IReadOnlyList<AttemptRecord> Attempts)> executions)
    {
        var runs = executions.SelectMany(e => e.Attempts)
            .Where(a => a.RunFinishedAt is not null && (a.RunDurationMs is not null || a.RunStatus is "timed-out" or "worker-silent"))
            .OrderBy(a => a.RunFinishedAt).TakeLast(60).ToList();
        if (runs.Count == 0)
        {
            return new HtmlString("<p class=\"muted\">No finished runs yet.</p>");
        }
        var durations = runs.Where(r => r.RunStatus == "succeeded" && r.RunDurationMs is not null).Select(r => r.RunDurationMs!.Value).Order().ToList();
        var max = Math.Max(1, runs.Max(r => r.RunDurationMs ?? 0));
        var bar = (double)Width / runs.Count;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg class=\"bars\" role=\"img\" viewBox=\"0 0 {Width} {Height}\" width=\"100%\" height=\"{Height}\" aria-label=\"Run durations of the last {runs.Count} runs\">");
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var ms = run.RunDurationMs ?? max;
            var h = Math.Max(2, ms / max * (Height - 4));
            var ok = run.RunStatus == "succeeded";
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect{(ok ? "" : " class=\"failed\"")} x=\"{i * bar + 1:0.#}\" y=\"{Height - h:0.#}\" width=\"{Math.Max(1, bar - 2):0.#}\" height=\"{h:0.#}\"><title>{run.RunStatus}: {Show.Milliseconds(run.RunDurationMs)}</title></rect>");
        }
        svg.Append("</svg>");
        var summary = durations.Count == 0 ? "No successful runs in this list."
            : $"Successful runs: p50 {Show.Milliseconds(Percentile(durations, 0.5))}, p95 {Show.Milliseconds(Percentile(durations, 0.95))} ({durations.Count} runs); red: failed or timed out.";
        return new HtmlString(svg + $"<p class=\"muted\">{System.Net.WebUtility.HtmlEncode(summary)}</p>");
    }

    /// <summary>Nearest-rank percentile of a sorted list.</summary>
    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
