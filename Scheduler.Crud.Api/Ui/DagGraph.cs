using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;
using Scheduler.Common.Workflows;

namespace Scheduler.Crud.Api.Ui;

/// <summary>
/// A workflow's DAG as a server-rendered SVG: a layered layout (a step's column is one more than its deepest upstream
/// step's), edges from each step to what depends on it, each node coloured by its step's state when a run is given.
/// </summary>
public static class DagGraph
{
    private const int NodeWidth = 132;
    private const int NodeHeight = 30;
    private const int ColumnGap = 56;
    private const int RowGap = 14;

    /// <param name="states">A run's step states by step id (status, as the badges name them); null for the bare definition.</param>
    /// <param name="link">Where a step's node links to (its execution in a run); null for none.</param>
    public static IHtmlContent Render(IReadOnlyList<StepDefinition> steps, IReadOnlyDictionary<string, string>? states = null,
        Func<string, string?>? link = null)
    {
        var dag = new Dag(steps);
        var columns = dag.Order.GroupBy(id => dag.Layers[id]).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        var position = new Dictionary<string, (double X, double Y)>(StringComparer.Ordinal);
        var tallest = columns.Max(c => c.Count);
        var height = tallest * (NodeHeight + RowGap) + RowGap;
        for (var c = 0; c < columns.Count; c++)
        {
            // Each column centred vertically, so a fan-in sits in the middle of its fan-out.
            var offset = (height - columns[c].Count * (NodeHeight + RowGap) - RowGap) / 2.0;
            for (var r = 0; r < columns[c].Count; r++)
            {
                position[columns[c][r]] = (RowGap + c * (NodeWidth + ColumnGap), offset + RowGap + r * (NodeHeight + RowGap));
            }
        }
        var width = RowGap * 2 + columns.Count * NodeWidth + (columns.Count - 1) * ColumnGap;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg class=\"dag\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" aria-label=\"The workflow's steps and their dependencies\">");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\"/></marker></defs>");
        foreach (var step in steps)
        {
            foreach (var upstream in step.DependsOn)
            {
                var (x1, y1) = position[upstream];
                var (x2, y2) = position[step.Id];
                var (sx, sy, ex, ey) = (x1 + NodeWidth, y1 + NodeHeight / 2.0, x2, y2 + NodeHeight / 2.0);
                svg.Append(CultureInfo.InvariantCulture,
                    $"<path class=\"edge\" d=\"M{sx:0.#},{sy:0.#} C{sx + ColumnGap / 2.0:0.#},{sy:0.#} {ex - ColumnGap / 2.0:0.#},{ey:0.#} {ex:0.#},{ey:0.#}\" marker-end=\"url(#arrow)\"/>");
            }
        }
        foreach (var id in dag.Order)
        {
            var (x, y) = position[id];
            var state = states?.GetValueOrDefault(id) ?? (states is null ? "step" : "waiting");
            var label = id.Length > 17 ? id[..16] + "…" : id;
            var title = WebUtility.HtmlEncode(states is null ? $"{id}: {TriggerRules.NameOf(dag[id].TriggerRule)}" : $"{id}: {state}");
            var node = new StringBuilder().Append(CultureInfo.InvariantCulture,
                $"<g class=\"node {WebUtility.HtmlEncode(state)}\" data-step=\"{WebUtility.HtmlEncode(id)}\"><title>{title}</title>" +
                $"<rect x=\"{x:0.#}\" y=\"{y:0.#}\" width=\"{NodeWidth}\" height=\"{NodeHeight}\" rx=\"6\"/>" +
                $"<text x=\"{x + NodeWidth / 2.0:0.#}\" y=\"{y + NodeHeight / 2.0 + 4:0.#}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(label)}</text></g>");
            svg.Append(link?.Invoke(id) is { } href ? $"<a href=\"{WebUtility.HtmlEncode(href)}\">{node}</a>" : node.ToString());
        }
        return new HtmlString(svg.Append("</svg>").ToString());
    }
}
