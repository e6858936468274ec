using System.CommandLine;
using System.Text.Json.Nodes;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Resources;

/// <summary><c>get</c>, <c>describe</c>, <c>delete</c>, <c>pause</c>, <c>resume</c> and <c>cancel</c>, for every kind, by name or id.</summary>
public static class ResourceCommands
{
    public static IEnumerable<Command> Create() => [Get(), Describe(), Delete(), StateChange("pause"), StateChange("resume"), Cancel()];

    private static Argument<string> KindArgument(params ResourceKind[] kinds)
    {
        var names = (kinds.Length == 0 ? ResourceKind.All : kinds).SelectMany(k => k.Aliases.Prepend(k.Name)).ToArray();
        var main = (kinds.Length == 0 ? ResourceKind.All : kinds).Select(k => k.Name).ToArray();
        var argument = new Argument<string>("kind") { Description = string.Join(", ", main) };
        argument.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } given && !names.Contains(given, StringComparer.OrdinalIgnoreCase))
            {
                result.AddError($"'{given}' is not a kind here; use one of {string.Join(", ", main)}");
            }
        });
        Completions.OfferKinds(argument, main);
        return argument;
    }

    private static Argument<string> NameArgument(Argument<string> kind, bool optional = false)
    {
        var name = new Argument<string>("name")
        {
            Description = "A name (schedules, calendars, outages, workflows, secrets) or an id",
            Arity = optional ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne,
        };
        Completions.OfferNames(name, kind);
        return name;
    }

    private static Command Get()
    {
        var kind = KindArgument();
        var name = NameArgument(kind, optional: true);
        var limit = new Option<int>("--limit") { Description = "At most this many (one page, 1–500)", DefaultValueFactory = _ => 50 };
        var cursor = new Option<string?>("--cursor") { Description = "The next page, as the previous one said" };
        // The values are the API document's, as the API checks them.
        var state = new Option<string?>("--state")
        {
            Description = $"Schedules: {string.Join(", ", Statuses.Listed("ScheduleResponse"))}; outages: {string.Join(", ", Statuses.Listed("OutageResponse"))}",
        };
        var status = new Option<string?>("--status")
        {
            Description = $"Executions: {string.Join(", ", Statuses.Listed("ExecutionResponse"))}; runs: {string.Join(", ", Statuses.Listed("WorkflowRunResponse"))}; " +
                $"backfills: {string.Join(", ", Statuses.Listed("BackfillResponse"))}",
        };
        var command = new Command("get", "List objects of a kind, or show one") { kind, name, limit, cursor, state, status };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var resource = ResourceKind.Find(invocation.Get(kind)!);
            if (invocation.Get(name) is { } one)
            {
                var (found, _) = await resource.FindAsync(invocation.Client, one, cancellationToken);
                if (invocation.Terminal.Format == OutputFormat.Table)
                {
                    invocation.Terminal.List([found], resource.Columns);
                }
                else
                {
                    invocation.Terminal.Value(found);
                }
                return ExitCodes.Ok;
            }
            var query = new List<KeyValuePair<string, string?>> { new("limit", invocation.Get(limit).ToString(System.Globalization.CultureInfo.InvariantCulture)), new("cursor", invocation.Get(cursor)) };
            if (invocation.Get(state) is { } s)
            {
                query.Add(new("state", s));
            }
            if (invocation.Get(status) is { } t)
            {
                query.Add(new("status", t));
            }
            if (resource == ResourceKind.ApiKey || resource == ResourceKind.Executor)
            {
                query.Clear();
            }
            var page = (await invocation.Client.SendAsync(resource.ListOperation, query: query, cancellationToken: cancellationToken)).Body!;
            var items = (page as JsonArray ?? page["items"]!.AsArray()).Select(i => i!.AsObject()).ToList();
            invocation.Terminal.List(items, resource.Columns, page is JsonObject paged ? Terminal.Text(paged["nextCursor"]) : null);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe()
    {
        var kind = KindArgument();
        var name = NameArgument(kind);
        var command = new Command("describe", "Show one object in full: a schedule with its next fire times and recent executions, a workflow with its recent runs, a backfill with its runs")
        {
            kind, name,
        };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var resource = ResourceKind.Find(invocation.Get(kind)!);
            var client = invocation.Client;
            var (found, _) = await resource.FindAsync(client, invocation.Get(name)!, cancellationToken);
            var route = ResourceKind.Route(Terminal.Text(found["id"])!);
            var described = new JsonObject { [resource.Name] = found.DeepClone() };
            JsonArray? executions = null, runs = null;
            if (resource == ResourceKind.Schedule)
            {
                described["next"] = (await client.SendAsync("NextFireTimes", route, [new("count", "5")], cancellationToken: cancellationToken)).Body;
                executions = (await client.SendAsync("ListScheduleExecutions", route, [new("limit", "10")], cancellationToken: cancellationToken)).Body!["items"]!.AsArray();
                described["recentExecutions"] = executions.DeepClone();
            }
            else if (resource == ResourceKind.Workflow)
            {
                runs = (await client.SendAsync("ListWorkflowRunsOfWorkflow", route, [new("limit", "10")], cancellationToken: cancellationToken)).Body!["items"]!.AsArray();
                described["recentRuns"] = runs.DeepClone();
            }
            else if (resource == ResourceKind.Backfill)
            {
                described["runs"] = (await client.SendAsync("ListBackfillRuns", route, [new("limit", "100")], cancellationToken: cancellationToken)).Body!["items"]!.DeepClone();
            }
            var terminal = invocation.Terminal;
            if (terminal.Format != OutputFormat.Table)
            {
                terminal.Value(described);
                return ExitCodes.Ok;
            }
            terminal.Value(found);
            if (described["next"] is JsonObject next)
            {
                terminal.Line("");
                terminal.Line($"Next fire times ({Terminal.Text(next["description"])}):");
                foreach (var time in next["fireTimes"]?.AsArray() ?? [])
                {
                    terminal.Line("  " + Terminal.When(time));
                }
            }
            if (executions is not null)
            {
                terminal.Line("");
                terminal.Line("Recent executions:");
                terminal.List([.. executions.Select(e => e!.AsObject())], ResourceKind.Execution.Columns);
            }
            if (runs is not null)
            {
                terminal.Line("");
                terminal.Line("Recent runs:");
                terminal.List([.. runs.Select(r => r!.AsObject())], ResourceKind.Run.Columns);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var kind = KindArgument(ResourceKind.Schedule, ResourceKind.Calendar, ResourceKind.Workflow, ResourceKind.Secret, ResourceKind.Outage, ResourceKind.ApiKey);
        var name = NameArgument(kind);
        var command = new Command("delete", "Delete a schedule, calendar, workflow or secret; cancel an outage; revoke an API key (by id)") { kind, name };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var resource = ResourceKind.Find(invocation.Get(kind)!);
            var target = invocation.Get(name)!;
            string id;
            string? etag = null;
            if (resource == ResourceKind.ApiKey)
            {
                id = Guid.TryParse(target, out var keyId) ? keyId.ToString() : throw new CliException(ExitCodes.Usage, "an API key is revoked by its id");
            }
            else
            {
                var (found, foundETag) = await resource.FindAsync(invocation.Client, target, cancellationToken);
                id = Terminal.Text(found["id"])!;
                etag = foundETag;
            }
            await invocation.Client.SendAsync(resource.DeleteOperation!, ResourceKind.Route(id), ifMatch: etag, cancellationToken: cancellationToken);
            invocation.Terminal.Note($"{(resource == ResourceKind.Outage ? "Cancelled" : resource == ResourceKind.ApiKey ? "Revoked" : "Deleted")} {resource.Name} {target}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command StateChange(string verb)
    {
        var kind = verb == "pause" ? KindArgument(ResourceKind.Schedule, ResourceKind.Backfill) : KindArgument(ResourceKind.Schedule, ResourceKind.Backfill, ResourceKind.Run);
        var name = NameArgument(kind);
        var command = new Command(verb, verb == "pause"
            ? "Pause a schedule (nothing fires) or a backfill (no new runs start)"
            : "Resume a paused schedule or backfill, or a finished workflow run from where it stopped (its failed and not-run steps)")
        {
            kind, name,
        };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var resource = ResourceKind.Find(invocation.Get(kind)!);
            var (found, etag) = await resource.FindAsync(invocation.Client, invocation.Get(name)!, cancellationToken);
            var operation = (verb, resource.Name) switch
            {
                ("pause", "schedule") => "PauseSchedule",
                ("resume", "schedule") => "ResumeSchedule",
                ("pause", _) => "PauseBackfill",
                (_, "run") => "ResumeWorkflowRun",
                _ => "ResumeBackfill",
            };
            // A run has no version to match: resuming one that is in progress is refused (409) instead.
            var result = await invocation.Client.SendAsync(operation, ResourceKind.Route(Terminal.Text(found["id"])!), ifMatch: resource == ResourceKind.Run ? null : etag,
                cancellationToken: cancellationToken);
            Show(invocation, resource, result.Body);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Cancel()
    {
        var kind = KindArgument(ResourceKind.Execution, ResourceKind.Run, ResourceKind.Backfill, ResourceKind.Outage);
        var name = NameArgument(kind);
        var command = new Command("cancel", "Cancel an execution, a workflow run, a backfill or an outage") { kind, name };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var resource = ResourceKind.Find(invocation.Get(kind)!);
            var (found, etag) = await resource.FindAsync(invocation.Client, invocation.Get(name)!, cancellationToken);
            var operation = resource.Name switch
            {
                "execution" => "CancelExecution",
                "run" => "CancelWorkflowRun",
                "backfill" => "CancelBackfill",
                _ => "CancelOutage",
            };
            var versioned = resource == ResourceKind.Backfill || resource == ResourceKind.Outage;
            var result = await invocation.Client.SendAsync(operation, ResourceKind.Route(Terminal.Text(found["id"])!), ifMatch: versioned ? etag : null,
                cancellationToken: cancellationToken);
            Show(invocation, resource, result.Body);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The object a change answered with: a row in table format, the object otherwise.</summary>
    public static void Show(Invocation invocation, ResourceKind kind, JsonNode? body)
    {
        if (body is not JsonObject obj)
        {
            return;
        }
        if (invocation.Terminal.Format == OutputFormat.Table)
        {
            invocation.Terminal.List([obj], kind.Columns);
        }
        else
        {
            invocation.Terminal.Value(obj);
        }
    }
}
