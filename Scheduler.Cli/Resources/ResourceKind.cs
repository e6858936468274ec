using System.Text.Json.Nodes;
using Scheduler.Cli.Http;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Resources;

/// <summary>
/// One kind of object the API serves, as the CLI handles it: the operations that list, read, create, replace and delete it
/// (by their ids in the API's document), whether it has a name, and its table columns.
/// </summary>
/// <param name="ManifestKind">The <c>kind</c> of its YAML documents (<c>Schedule</c>); null: not declarative.</param>
/// <param name="RequestSchema">The schema its <c>spec</c> follows, e.g. <c>ScheduleRequest</c>.</param>
public sealed record ResourceKind(string Name, string[] Aliases, string ListOperation, string? GetOperation, IReadOnlyList<Column> Columns,
    bool Named = false, string? ManifestKind = null, string? RequestSchema = null, string? CreateOperation = null, string? ReplaceOperation = null,
    string? DeleteOperation = null)
{
    private static string? Text(JsonObject o, string field) => Terminal.Text(o[field]);

    private static string? Target(JsonObject o) => o["target"] is JsonObject t
        ? $"{Terminal.Text(t["type"])} {Terminal.Text(t["url"]) ?? Terminal.Text(t["topic"]) ?? Terminal.Text(t["workflow"])}"
        : null;

    public static readonly ResourceKind Calendar = new("calendar", ["calendars", "cal"], "ListCalendars", "GetCalendar",
        [
            new("NAME", o => Text(o, "name")),
            new("WEEKEND", o => string.Join(",", o["weekendDays"]?.AsArray().Select(d => Terminal.Text(d)?[..3]) ?? [])),
            new("HOLIDAYS", o => o["holidays"]?.AsArray().Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("SCHEDULES", o => Text(o, "schedules")),
            new("MANAGED BY", o => Text(o, "managedBy")),
        ],
        Named: true, ManifestKind: "Calendar", RequestSchema: "CalendarRequest", CreateOperation: "CreateCalendar", ReplaceOperation: "ReplaceCalendar",
        DeleteOperation: "DeleteCalendar");

    public static readonly ResourceKind Workflow = new("workflow", ["workflows", "wf"], "ListWorkflows", "GetWorkflow",
        [
            new("NAME", o => Text(o, "name")),
            new("STEPS", o => string.Join(",", o["steps"]?.AsArray().Select(s => Terminal.Text(s?["id"])) ?? [])),
            new("ACTIVE RUNS", o => Text(o, "activeRuns")),
            new("MAX ACTIVE", o => Text(o, "maxActiveRuns")),
            new("MANAGED BY", o => Text(o, "managedBy")),
        ],
        Named: true, ManifestKind: "Workflow", RequestSchema: "WorkflowRequest", CreateOperation: "CreateWorkflow", ReplaceOperation: "ReplaceWorkflow",
        DeleteOperation: "DeleteWorkflow");

    public static readonly ResourceKind Schedule = new("schedule", ["schedules", "sch"], "ListSchedules", "GetSchedule",
        [
            new("NAME", o => Text(o, "name")),
            new("KIND", o => Text(o, "kind")),
            new("WHEN", o => Text(o, "cron") ?? Terminal.When(o["runAt"]) ?? Text(o, "delay") ?? "on demand"),
            new("STATE", o => Text(o, "state"), "ScheduleResponse"),
            new("NEXT FIRE", o => Terminal.When(o["nextFireAt"])),
            new("TARGET", Target),
            new("MANAGED BY", o => Text(o, "managedBy")),
        ],
        Named: true, ManifestKind: "Schedule", RequestSchema: "ScheduleRequest", CreateOperation: "CreateSchedule", ReplaceOperation: "ReplaceSchedule",
        DeleteOperation: "DeleteSchedule");

    /// <summary>Outages are never deleted (they are named in the history of what they skipped): "delete" cancels one.</summary>
    public static readonly ResourceKind Outage = new("outage", ["outages"], "ListOutages", "GetOutage",
        [
            new("NAME", o => Text(o, "name")),
            new("FROM", o => Terminal.When(o["from"])),
            new("TO", o => Terminal.When(o["to"])),
            new("POLICY", o => Text(o, "policy")),
            new("STATE", o => Text(o, "state"), "OutageResponse"),
            new("LABELS", o => string.Join(",", o["labels"]?.AsObject().Select(l => $"{l.Key}={Terminal.Text(l.Value)}") ?? [])),
            new("MANAGED BY", o => Text(o, "managedBy")),
        ],
        Named: true, ManifestKind: "Outage", RequestSchema: "OutageRequest", CreateOperation: "CreateOutage", ReplaceOperation: "ReplaceOutage",
        DeleteOperation: "CancelOutage");

    public static readonly ResourceKind Secret = new("secret", ["secrets"], "ListSecrets", "GetSecret",
        [
            new("NAME", o => Text(o, "name")),
            new("VERSION", o => Text(o, "version")),
            new("ROTATED", o => Terminal.When(o["rotatedAt"])),
            new("DESCRIPTION", o => Text(o, "description")),
        ],
        Named: true, DeleteOperation: "DeleteSecret");

    public static readonly ResourceKind Execution = new("execution", ["executions", "exec"], "ListExecutions", "GetExecution",
        [
            new("ID", o => Text(o, "id")),
            new("SCHEDULE", o => Text(o, "scheduleName")),
            new("FOR", o => Terminal.When(o["scheduledFor"])),
            new("ORIGIN", o => Text(o, "origin")),
            new("STATUS", o => Text(o, "status"), "ExecutionResponse"),
            new("ATTEMPT", o => $"{Text(o, "attempt")}/{Text(o, "maxAttempts")}"),
            new("LAST ERROR", o => Text(o, "lastError")),
        ]);

    public static readonly ResourceKind Run = new("run", ["runs", "workflow-runs"], "ListWorkflowRuns", "GetWorkflowRun",
        [
            new("ID", o => Text(o, "id")),
            new("WORKFLOW", o => Text(o, "workflowName")),
            new("ORIGIN", o => Text(o, "origin")),
            new("STATUS", o => Text(o, "status"), "WorkflowRunResponse"),
            new("LOGICAL DATE", o => Terminal.When(o["logicalDate"])),
            new("CREATED", o => Terminal.When(o["createdAt"])),
        ]);

    public static readonly ResourceKind Backfill = new("backfill", ["backfills"], "ListBackfills", "GetBackfill",
        [
            new("ID", o => Text(o, "id")),
            new("JOB", o => Text(o, "job")),
            new("FROM", o => Terminal.When(o["start"])),
            new("TO", o => Terminal.When(o["end"])),
            new("STATUS", o => Text(o, "status"), "BackfillResponse"),
            new("DONE", o => o["progress"] is JsonObject p ? $"{Terminal.Text(p["succeeded"])}+{Terminal.Text(p["failed"])} failed / {Terminal.Text(p["total"])}" : null),
        ]);

    public static readonly ResourceKind ApiKey = new("api-key", ["api-keys", "key", "keys"], "ListApiKeys", null,
        [
            new("ID", o => Text(o, "id")),
            new("NAME", o => Text(o, "name")),
            new("SCOPE", o => Text(o, "scope")),
            new("PREFIX", o => Text(o, "prefix")),
            new("REVOKED", o => Terminal.When(o["revokedAt"])),
        ],
        DeleteOperation: "RevokeApiKey");

    public static readonly ResourceKind Audit = new("audit", ["audit-events", "changes"], "ListAuditEvents", null,
        [
            new("AT", o => Terminal.When(o["at"])),
            new("WHO", o => Terminal.Text(o["actor"]?["name"]) ?? Terminal.Text(o["actor"]?["keyId"])),
            new("FROM", o => Text(o, "source")),
            new("ACTION", o => $"{Text(o, "objectType")} {Text(o, "action")}"),
            new("OBJECT", o => Text(o, "objectName") ?? Text(o, "objectId")),
            new("REVISION", o => Text(o, "revision") is { } r ? r[..Math.Min(12, r.Length)] + (o["revisionDirty"]?.GetValue<bool>() == true ? " (dirty)" : "") : null),
        ]);

    public static readonly ResourceKind Executor = new("executor", ["executors"], "ListExecutors", null,
        [
            new("ID", o => Text(o, "id")),
            new("HOST", o => Text(o, "host")),
            new("VERSION", o => Text(o, "version")),
            new("ALIVE", o => Text(o, "alive")),
            new("LAST SEEN", o => Terminal.When(o["lastSeenAt"])),
            new("ATTEMPTS", o => Text(o, "attempts")),
            new("FAILURES", o => Text(o, "failures")),
        ]);

    public static readonly IReadOnlyList<ResourceKind> All = [Schedule, Calendar, Outage, Workflow, Secret, Execution, Run, Backfill, ApiKey, Audit, Executor];

    /// <summary>The declarative kinds, in the order an apply writes them (a schedule names a calendar and a workflow).</summary>
    public static readonly IReadOnlyList<ResourceKind> Declarative = [Calendar, Workflow, Schedule, Outage];

    public static ResourceKind Find(string name) =>
        TryFind(name) ?? throw new CliException(ExitCodes.Usage, $"'{name}' is not a kind; use one of {string.Join(", ", All.Select(k => k.Name))}");

    /// <summary>The kind a name or alias (<c>schedules</c>, <c>wf</c>) stands for, in any case; null when none.</summary>
    public static ResourceKind? TryFind(string name) =>
        All.FirstOrDefault(k => k.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || k.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// The object <paramref name="nameOrId"/> names: an id is read directly; a name is found in the list (names are unique
    /// within a tenant). Returns the object and its ETag.
    /// </summary>
    public async Task<(JsonObject Object, string? ETag)> FindAsync(ApiClient client, string nameOrId, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(nameOrId, out var id) && GetOperation is not null)
        {
            var result = await client.SendAsync(GetOperation, Route(id.ToString()), cancellationToken: cancellationToken);
            return (result.Body!.AsObject(), result.ETag);
        }
        if (!Named)
        {
            throw new CliException(ExitCodes.Usage, $"a {Name} is named by its id, and '{nameOrId}' is not one");
        }
        var query = ListOperation is "ListSchedules" or "ListCalendars" or "ListWorkflows" ? [new("name", nameOrId)] : Array.Empty<KeyValuePair<string, string?>>();
        await foreach (var item in client.ListAllAsync(ListOperation, query: query, cancellationToken: cancellationToken))
        {
            if (Terminal.Text(item["name"]) == nameOrId)
            {
                // Read again for the ETag (lists carry versions, but a write needs the ETag's exact form).
                return GetOperation is null ? (item, null) : await FindAsync(client, Terminal.Text(item["id"])!, cancellationToken);
            }
        }
        throw new CliException(ExitCodes.NotFound, $"there is no {Name} named '{nameOrId}'");
    }

    public static Dictionary<string, string> Route(string id) => new() { ["id"] = id };
}
