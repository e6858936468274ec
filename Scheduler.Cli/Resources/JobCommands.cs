using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Scheduler.Cli.Output;
using Spectre.Console;

namespace Scheduler.Cli.Resources;

/// <summary>Running things: <c>trigger</c>, <c>executions</c>, <c>redrive</c>, <c>rerun</c>, <c>backfill</c>, <c>stats</c> and <c>audit</c>.</summary>
public static class JobCommands
{
    public static IEnumerable<Command> Create() => [Trigger(), Executions(), Redrive(), Rerun(), Backfill(), Stats(), Audit()];

    private static Option<string[]> Parameters() => new("--param", "-p")
    {
        Description = "A parameter, name=value (repeatable); the value is read as JSON when it is JSON (5, true, [1,2]), else as a string",
        AllowMultipleArgumentsPerToken = false,
    };

    private static JsonObject? ParameterObject(string[]? pairs)
    {
        if (pairs is null || pairs.Length == 0)
        {
            return null;
        }
        var result = new JsonObject();
        foreach (var pair in pairs)
        {
            var cut = pair.IndexOf('=', StringComparison.Ordinal);
            if (cut <= 0)
            {
                throw new CliException(ExitCodes.Usage, $"--param '{pair}' is not name=value");
            }
            var text = pair[(cut + 1)..];
            JsonNode? value;
            try
            {
                value = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                value = JsonValue.Create(text);
            }
            result[pair[..cut]] = value;
        }
        return result;
    }

    private static Command Trigger()
    {
        var kind = new Argument<string>("kind") { Description = "schedule (one execution now) or workflow (one run now)" };
        kind.AcceptOnlyFromAmong("schedule", "workflow");
        Completions.OfferKinds(kind, ["schedule", "workflow"]);
        var name = new Argument<string>("name") { Description = "Its name or id" };
        Completions.OfferNames(name, kind);
        var logicalDate = new Option<string?>("--logical-date")
        {
            Description = "History mode: run for this past instant or date (2026-12-01: midnight in the job's time zone, as backfill's --start), its occurrence and data interval",
        };
        var parameters = Parameters();
        var command = new Command("trigger", "Fire a schedule or start a workflow run now, out of band") { kind, name, logicalDate, parameters };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var resource = ResourceKind.Find(invocation.Get(kind)!);
            var (found, _) = await resource.FindAsync(invocation.Client, invocation.Get(name)!, cancellationToken);
            var body = new JsonObject();
            if (invocation.Get(logicalDate) is { } date)
            {
                body["logicalDate"] = date;
            }
            if (ParameterObject(invocation.Get(parameters)) is { } values)
            {
                body["parameters"] = values;
            }
            var result = await invocation.Client.SendAsync(resource == ResourceKind.Schedule ? "TriggerSchedule" : "StartWorkflowRun",
                ResourceKind.Route(Terminal.Text(found["id"])!), body: body, cancellationToken: cancellationToken);
            ResourceCommands.Show(invocation, resource == ResourceKind.Schedule ? ResourceKind.Execution : ResourceKind.Run, result.Body);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Executions()
    {
        var schedule = new Option<string?>("--schedule") { Description = "Only this schedule's (name or id)" };
        var status = new Option<string?>("--status") { Description = string.Join(", ", Statuses.Listed("ExecutionResponse")) + " (dead: the dead letters)" };
        var limit = new Option<int>("--limit") { DefaultValueFactory = _ => 50, Description = "At most this many (newest first)" };
        var cursor = new Option<string?>("--cursor") { Description = "The next page, as the previous one said" };
        var command = new Command("executions", "List executions, newest first (--status dead: the dead letters)") { schedule, status, limit, cursor };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var query = new List<KeyValuePair<string, string?>>
            {
                new("status", invocation.Get(status)), new("limit", invocation.Get(limit).ToString(CultureInfo.InvariantCulture)), new("cursor", invocation.Get(cursor)),
            };
            if (invocation.Get(schedule) is { } name)
            {
                var (found, _) = await ResourceKind.Schedule.FindAsync(invocation.Client, name, cancellationToken);
                query.Add(new("scheduleId", Terminal.Text(found["id"])));
            }
            var page = (await invocation.Client.SendAsync("ListExecutions", query: query, cancellationToken: cancellationToken)).Body!;
            invocation.Terminal.List([.. page["items"]!.AsArray().Select(i => i!.AsObject())], ResourceKind.Execution.Columns, Terminal.Text(page["nextCursor"]));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Redrive()
    {
        var execution = new Argument<string?>("execution") { Description = "A dead execution's id", Arity = ArgumentArity.ZeroOrOne };
        var schedule = new Option<string?>("--schedule") { Description = "Every dead execution of this schedule (name or id)" };
        var command = new Command("redrive", "Deliver a dead execution again (or all of a schedule's)") { execution, schedule };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            if (invocation.Get(schedule) is { } name)
            {
                var (found, _) = await ResourceKind.Schedule.FindAsync(invocation.Client, name, cancellationToken);
                var result = await invocation.Client.SendAsync("RedriveScheduleDeadLetters", ResourceKind.Route(Terminal.Text(found["id"])!), cancellationToken: cancellationToken);
                if (invocation.Terminal.Format == OutputFormat.Table)
                {
                    invocation.Terminal.Note($"Redrove {Terminal.Text(result.Body?["redriven"])} dead executions of {name}.");
                }
                else
                {
                    invocation.Terminal.Value(result.Body);
                }
                return ExitCodes.Ok;
            }
            if (invocation.Get(execution) is not { } id || !Guid.TryParse(id, out _))
            {
                throw new CliException(ExitCodes.Usage, "redrive takes an execution id, or --schedule NAME");
            }
            var redriven = await invocation.Client.SendAsync("RedriveExecution", ResourceKind.Route(id), cancellationToken: cancellationToken);
            ResourceCommands.Show(invocation, ResourceKind.Execution, redriven.Body);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rerun()
    {
        var run = new Argument<string>("run") { Description = "The workflow run's id" };
        var step = new Option<string>("--step") { Description = "The step to run again", Required = true };
        var downstream = new Option<bool>("--downstream") { Description = "Also every step downstream of it" };
        var command = new Command("rerun", "Run a step of a finished workflow run again, alone or with what is downstream (to carry on a failed run from where it stopped: 'scheduleman resume run ID')") { run, step, downstream };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var result = await invocation.Client.SendAsync("RerunWorkflowStep", ResourceKind.Route(invocation.Get(run)!),
                body: new JsonObject { ["step"] = invocation.Get(step), ["downstream"] = invocation.Get(downstream) }, cancellationToken: cancellationToken);
            ResourceCommands.Show(invocation, ResourceKind.Run, result.Body);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Backfill()
    {
        var kind = new Argument<string>("kind") { Description = "schedule or workflow" };
        kind.AcceptOnlyFromAmong("schedule", "workflow");
        Completions.OfferKinds(kind, ["schedule", "workflow"]);
        var name = new Argument<string>("name") { Description = "Its name or id" };
        Completions.OfferNames(name, kind);
        var start = new Option<string>("--start") { Description = "The first interval's start (ISO 8601 instant or date)", Required = true };
        var end = new Option<string>("--end") { Description = "The end of the range (exclusive)", Required = true };
        var batch = new Option<string?>("--batch") { Description = "occurrence (default), day, week or month" };
        var maxActive = new Option<int?>("--max-active-runs") { Description = "Runs in flight at once" };
        var rerun = new Option<bool>("--rerun") { Description = "Run intervals that already succeeded too" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only list the runs it would make" };
        var wait = new Option<bool>("--wait") { Description = "Wait until it finishes, with a progress bar; exit 1 if any run failed or it was cancelled" };
        var parameters = Parameters();
        var command = new Command("backfill", "Run a job for each interval of a past range (\"rerun last week as seven daily runs\")")
        {
            kind, name, start, end, batch, maxActive, rerun, dryRun, wait, parameters,
        };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var resource = ResourceKind.Find(invocation.Get(kind)!);
            var client = invocation.Client;
            var (found, _) = await resource.FindAsync(client, invocation.Get(name)!, cancellationToken);
            var body = new JsonObject { ["start"] = invocation.Get(start), ["end"] = invocation.Get(end), ["dryRun"] = invocation.Get(dryRun), ["rerun"] = invocation.Get(rerun) };
            if (invocation.Get(batch) is { } b)
            {
                body["batch"] = b;
            }
            if (invocation.Get(maxActive) is { } m)
            {
                body["maxActiveRuns"] = m;
            }
            if (ParameterObject(invocation.Get(parameters)) is { } values)
            {
                body["parameters"] = values;
            }
            var result = await client.SendAsync(resource == ResourceKind.Schedule ? "CreateScheduleBackfill" : "CreateWorkflowBackfill",
                ResourceKind.Route(Terminal.Text(found["id"])!), body: body, cancellationToken: cancellationToken);
            var terminal = invocation.Terminal;
            if (invocation.Get(dryRun))
            {
                if (terminal.Format == OutputFormat.Table)
                {
                    terminal.Note($"Would make {Terminal.Text(result.Body!["toRun"])} runs ({Terminal.Text(result.Body["covered"])} of {Terminal.Text(result.Body["total"])} intervals already covered).");
                    terminal.List([.. result.Body["runs"]!.AsArray().Select(r => r!.AsObject())],
                        [new Column("LOGICAL DATE", o => Terminal.When(o["logicalDate"])), new Column("FROM", o => Terminal.When(o["dataInterval"]?["start"])),
                         new Column("TO", o => Terminal.When(o["dataInterval"]?["end"]))]);
                }
                else
                {
                    terminal.Value(result.Body);
                }
                return ExitCodes.Ok;
            }
            var backfill = result.Body!.AsObject();
            if (!invocation.Get(wait))
            {
                ResourceCommands.Show(invocation, ResourceKind.Backfill, backfill);
                return ExitCodes.Ok;
            }
            backfill = await WaitAsync(invocation, Terminal.Text(backfill["id"])!, cancellationToken);
            ResourceCommands.Show(invocation, ResourceKind.Backfill, backfill);
            return Statuses.BackfillFailed(backfill) ? ExitCodes.Error : ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<JsonObject> WaitAsync(Invocation invocation, string id, CancellationToken cancellationToken)
    {
        var route = ResourceKind.Route(id);
        async Task<JsonObject> Read() => (await invocation.Client.SendAsync("GetBackfill", route, cancellationToken: cancellationToken)).Body!.AsObject();
        static bool Finished(JsonObject b) => Statuses.Of("BackfillResponse", Terminal.Text(b["status"])).Final;
        var current = await Read();
        if (invocation.Terminal.Interactive)
        {
            await invocation.Terminal.Error.Progress().StartAsync(async context =>
            {
                var task = context.AddTask($"backfill {id[..8]}", maxValue: current["progress"]?["total"]?.GetValue<int>() ?? 1);
                while (!Finished(current))
                {
                    task.Value = (current["progress"]?["succeeded"]?.GetValue<int>() ?? 0) + (current["progress"]?["failed"]?.GetValue<int>() ?? 0);
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    current = await Read();
                }
                task.Value = task.MaxValue;
            });
            return current;
        }
        var last = "";
        while (!Finished(current))
        {
            var line = $"backfill {id}: {ResourceKind.Backfill.Columns[^1].Value(current)}";
            if (line != last)
            {
                invocation.Terminal.Note(line);
                last = line;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            current = await Read();
        }
        return current;
    }

    private static Command Stats()
    {
        var window = new Option<string?>("--window") { Description = "How far back, e.g. 1h (default) or 24h" };
        var command = new Command("stats", "Deliveries, lateness and failures: totals, per schedule, per target and per executor") { window };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var result = await invocation.Client.SendAsync("Statistics", query: [new("window", invocation.Get(window))], cancellationToken: cancellationToken);
            var terminal = invocation.Terminal;
            if (terminal.Format != OutputFormat.Table || result.Body is not JsonObject stats)
            {
                terminal.Value(result.Body);
                return ExitCodes.Ok;
            }
            terminal.Line($"Window {Terminal.Text(stats["window"])}, since {Terminal.When(stats["since"])}");
            // One table per part of the answer (totals, schedules, targets, executors, runs…), its columns the rows' own fields.
            foreach (var (part, value) in stats)
            {
                var rows = value switch
                {
                    JsonObject one => [one],
                    JsonArray many => many.OfType<JsonObject>().ToList(),
                    _ => null,
                };
                if (rows is null)
                {
                    continue;
                }
                terminal.Line("");
                terminal.Line(Heading(part) + ":");
                var fields = rows.SelectMany(r => r.Select(f => f.Key)).Distinct().ToList();
                terminal.List(rows, [.. fields.Select(f => new Column(Heading(f).ToUpperInvariant(),
                    o => f.EndsWith("At", StringComparison.Ordinal) ? Terminal.When(o[f]) : Terminal.Text(o[f])))]);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary><c>runsInProgress</c> → <c>runs in progress</c>, <c>p95DurationMs</c> → <c>p95 duration ms</c>.</summary>
    private static string Heading(string field) =>
        string.Concat(field.Select((c, i) => char.IsUpper(c) && i > 0 ? " " + char.ToLowerInvariant(c) : c.ToString()));

    private static Command Audit()
    {
        var kind = new Option<string?>("--kind") { Description = "Only changes of this kind (schedule, calendar, outage, workflow, secret, backfill…)" };
        var name = new Option<string?>("--name") { Description = "With --kind: only changes of this object (name or id)" };
        var source = new Option<string?>("--source") { Description = "api, ui or cli" };
        var since = new Option<string?>("--since") { Description = "From this instant (ISO 8601)" };
        var limit = new Option<int>("--limit") { DefaultValueFactory = _ => 50, Description = "At most this many, newest first" };
        var cursor = new Option<string?>("--cursor") { Description = "The next page, as the previous one said" };
        var command = new Command("audit", "Who changed what, when, from where (api, ui, cli) and at which source revision") { kind, name, source, since, limit, cursor };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var query = new List<KeyValuePair<string, string?>>
            {
                new("source", invocation.Get(source)), new("since", invocation.Get(since)),
                new("limit", invocation.Get(limit).ToString(CultureInfo.InvariantCulture)), new("cursor", invocation.Get(cursor)),
            };
            if (invocation.Get(kind) is { } k)
            {
                var resource = ResourceKind.TryFind(k);
                query.Add(new("objectType", resource?.Name == "run" ? "workflow-run" : resource?.Name ?? k));
                if (invocation.Get(name) is { } n && resource is not null)
                {
                    var id = Guid.TryParse(n, out _) ? n : Terminal.Text((await resource.FindAsync(invocation.Client, n, cancellationToken)).Object["id"]);
                    query.Add(new("objectId", id));
                }
            }
            var page = (await invocation.Client.SendAsync("ListAuditEvents", query: query, cancellationToken: cancellationToken)).Body!;
            invocation.Terminal.List([.. page["items"]!.AsArray().Select(i => i!.AsObject())], ResourceKind.Audit.Columns, Terminal.Text(page["nextCursor"]));
            return ExitCodes.Ok;
        });
        return command;
    }
}
