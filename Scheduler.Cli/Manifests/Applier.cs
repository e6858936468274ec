using System.Globalization;
using System.Text.Json.Nodes;
using Scheduler.Cli.Http;
using Scheduler.Cli.Output;
using Scheduler.Cli.Resources;
using Spectre.Console;

namespace Scheduler.Cli.Manifests;

/// <summary>
/// Carries out a plan: creates and changes in dependency order (calendars, workflows, schedules, outages), then deletions in
/// the reverse order. Each write is atomic on the server and carries the version the plan read (<c>If-Match</c>), so a change
/// made by someone else since is a 412 rather than lost. The first refusal stops the apply; what was written stays, and
/// applying again carries on from there.
/// </summary>
public static class Applier
{
    public static async Task ApplyAsync(ApiClient client, Plan plan, Terminal terminal, CancellationToken cancellationToken)
    {
        var writes = plan.Writes.Where(c => c.Action != ChangeAction.Delete).OrderBy(c => Order(c.Kind))
            .Concat(plan.Writes.Where(c => c.Action == ChangeAction.Delete).OrderByDescending(c => Order(c.Kind)))
            .ToList();
        var done = 0;
        async Task WriteAll(Action<PlannedChange>? progress)
        {
            foreach (var change in writes)
            {
                try
                {
                    await WriteAsync(client, change, cancellationToken);
                }
                catch (CliException e)
                {
                    throw new CliException(e.ExitCode, $"{Verb(change.Action)} {change.Title} failed after {done} of {writes.Count} writes: {e.Message}",
                        [.. e.Details, done == 0 ? "nothing was written" : "what was written stays; apply again to carry on"]);
                }
                done++;
                progress?.Invoke(change);
            }
        }
        if (terminal.Interactive && writes.Count > 1)
        {
            await terminal.Error.Progress().StartAsync(async context =>
            {
                var task = context.AddTask("applying", maxValue: writes.Count);
                await WriteAll(change =>
                {
                    task.Increment(1);
                    task.Description = $"{Verb(change.Action)} {change.Title}";
                });
            });
        }
        else
        {
            await WriteAll(change => terminal.Note($"{Verb(change.Action)} {change.Title}"));
        }
    }

    private static async Task WriteAsync(ApiClient client, PlannedChange change, CancellationToken cancellationToken)
    {
        var kind = change.Kind;
        var version = change.Current is { } current ? $"\"{Terminal.Text(current["version"])}\"" : null;
        var route = change.Current is { } existing ? ResourceKind.Route(Terminal.Text(existing["id"])!) : null;
        switch (change.Action)
        {
            case ChangeAction.Create:
                await client.SendAsync(kind.CreateOperation!, body: LocalValidation.WithName(change.Document!), cancellationToken: cancellationToken);
                break;
            case ChangeAction.Update:
                await client.SendAsync(kind.ReplaceOperation!, route, body: LocalValidation.WithName(change.Document!), ifMatch: version, cancellationToken: cancellationToken);
                break;
            case ChangeAction.Delete:
                await client.SendAsync(kind.DeleteOperation!, route, ifMatch: version, cancellationToken: cancellationToken);
                break;
        }
    }

    public static string Verb(ChangeAction action) => action switch
    {
        ChangeAction.Create => "created",
        ChangeAction.Update => "changed",
        ChangeAction.Delete => "deleted",
        _ => "unchanged",
    };

    private static int Order(ResourceKind kind) => ResourceKind.Declarative.ToList().IndexOf(kind);

    /// <summary>The plan as people read it: <c>+</c> create, <c>~</c> change (field by field), <c>-</c> delete.</summary>
    public static void Print(Plan plan, Terminal terminal, bool showUnchanged = false)
    {
        if (terminal.Format != OutputFormat.Table)
        {
            terminal.Value(ToJson(plan));
            return;
        }
        foreach (var change in plan.Changes)
        {
            switch (change.Action)
            {
                case ChangeAction.Create:
                    terminal.Out.MarkupLineInterpolated($"[green]+ {change.Title}[/] (new)");
                    break;
                case ChangeAction.Delete:
                    terminal.Out.MarkupLineInterpolated(
                        $"[red]- {change.Title}[/] ({(change.Kind == ResourceKind.Outage ? "cancelled" : "deleted")}: no longer in the files{(change.FormerSource is { } was ? $"; managed as '{was}', an older CLI's name for this path" : "")})");
                    break;
                case ChangeAction.Update:
                    var note = change.Adopt ? $" (adopt: made outside any source, from now on managed by '{plan.Source}')"
                        : change.FormerSource is { } former ? $" (source renamed: '{former}', an older CLI's name for this path, → '{plan.Source}')" : "";
                    terminal.Out.MarkupLineInterpolated($"[yellow]~ {change.Title}[/]{note}");
                    PrintFields(change, terminal);
                    break;
                case ChangeAction.NotAdopted:
                    terminal.Out.MarkupLineInterpolated(
                        $"[grey]= {change.Title}[/] (not adopted: made outside any source, left as it is{(change.Fields.Count > 0 ? $" though {Plural(change.Fields.Count, "field")} differ" : "")}; apply --adopt to manage it from '{plan.Source}')");
                    PrintFields(change, terminal);
                    break;
                case ChangeAction.Unchanged when showUnchanged:
                    terminal.Out.MarkupLineInterpolated($"[grey]  {change.Title} (unchanged)[/]");
                    break;
            }
        }
        terminal.Note($"Plan for source '{plan.Source}': {plan.Summary}.");
    }

    private static void PrintFields(PlannedChange change, Terminal terminal)
    {
        foreach (var field in change.Fields)
        {
            // An item of a set (a calendar's holiday, keyed by its date) is added or removed: one line each, "+ 2026-12-31 …".
            var cut = field.Path.IndexOf('[', StringComparison.Ordinal);
            var item = cut > 0 && field.Path.EndsWith(']') && !int.TryParse(field.Path[(cut + 1)..^1], CultureInfo.InvariantCulture, out _)
                ? (Set: field.Path[..cut], Key: field.Path[(cut + 1)..^1])
                : default;
            if (item.Set is not null && (field.Before is null) != (field.After is null))
            {
                var (sign, colour, value) = field.After is null ? ("-", "red", field.Before) : ("+", "green", field.After);
                terminal.Out.MarkupLineInterpolated($"    [{colour}]{sign} {item.Set} {item.Key}[/]{(Terminal.Text(value?["name"]) is { } name ? $" {name}" : "")}");
                continue;
            }
            terminal.Out.MarkupLineInterpolated($"    {field.Path}: [red]{Show(field.Before)}[/] → [green]{Show(field.After)}[/]");
        }
    }

    /// <summary>How <c>-o json</c> names an action: <c>create</c>, <c>update</c>, <c>delete</c>, <c>unchanged</c>, <c>not-adopted</c>.</summary>
    public static string ActionName(ChangeAction action) => action == ChangeAction.NotAdopted ? "not-adopted" : action.ToString().ToLowerInvariant();

    public static JsonObject ToJson(Plan plan) => new()
    {
        ["source"] = plan.Source,
        ["changes"] = new JsonArray([.. plan.Changes.Select(c => (JsonNode)new JsonObject
        {
            ["action"] = ActionName(c.Action),
            ["kind"] = c.Kind.ManifestKind,
            ["name"] = c.Name,
            ["adopt"] = c.Adopt,
            ["formerSource"] = c.FormerSource,
            ["fields"] = new JsonArray([.. c.Fields.Select(f => (JsonNode)new JsonObject
            {
                ["path"] = f.Path,
                ["before"] = f.Before?.DeepClone(),
                ["after"] = f.After?.DeepClone(),
            })]),
        })]),
    };

    private static string Show(JsonNode? value) => value switch
    {
        null => "(none)",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => $"\"{v.GetValue<string>()}\"",
        _ => value.ToJsonString(),
    };

    public static string Plural(int n, string what) => string.Create(CultureInfo.InvariantCulture, $"{n} {what}{(n == 1 ? "" : "s")}");
}
