using System.Text.Json.Nodes;
using Scheduler.Cli.Http;
using Scheduler.Cli.Output;
using Scheduler.Cli.Resources;
using Scheduler.Common.Calendars;

namespace Scheduler.Cli.Manifests;

public enum ChangeAction
{
    Create,
    Update,
    Delete,
    Unchanged,

    /// <summary>It exists, made in the API or the UI, and the apply leaves it alone: taking it over takes <c>--adopt</c>.</summary>
    NotAdopted,
}

/// <summary>
/// What an apply does to one object. <paramref name="Current"/> is the server's object (with its version, for <c>If-Match</c>);
/// <paramref name="Adopt"/>: it exists but no source manages it yet, and this apply will (<c>--adopt</c>).
/// <paramref name="FormerSource"/>: an older CLI's name for this source manages it; the apply renames it.
/// </summary>
public sealed record PlannedChange(ChangeAction Action, ResourceKind Kind, string Name, ManifestDocument? Document, JsonObject? Current,
    IReadOnlyList<FieldChange> Fields, bool Adopt = false, string? FormerSource = null)
{
    public string Title => $"{Kind.ManifestKind} '{Name}'";
}

/// <summary>An apply's plan: every object of the files (and, with prune, every object of the source that the files no longer have).</summary>
public sealed record Plan(string? Source, IReadOnlyList<PlannedChange> Changes)
{
    public IEnumerable<PlannedChange> Writes => Changes.Where(c => c.Action is ChangeAction.Create or ChangeAction.Update or ChangeAction.Delete);

    public bool HasChanges => Writes.Any();

    public string Summary =>
        $"{Count(ChangeAction.Create)} to create, {Count(ChangeAction.Update)} to change, {Count(ChangeAction.Delete)} to delete, {Count(ChangeAction.Unchanged)} unchanged" +
        (Count(ChangeAction.NotAdopted) is > 0 and var left ? $", {left} made outside any source left alone (--adopt to manage)" : "");

    private int Count(ChangeAction action) => Changes.Count(c => c.Action == action);
}

/// <summary>
/// Works out an apply's plan against the server, and refuses the whole of it — before anything is written — when any document
/// is invalid (the API's own validators), names a calendar or workflow that exists nowhere, or names an object another source
/// manages; or when a prune would take a calendar or workflow from under a schedule that stays.
/// </summary>
public static class Planner
{
    /// <param name="source">The source the objects are managed under; null: <c>create -f</c>, where every object must be new.</param>
    /// <param name="adopt">Take over existing objects no source manages (made in the API or the UI); otherwise they are left alone.</param>
    /// <param name="migrate">The source is the default (the path in the repository): objects an older CLI marked with its former name
    /// for it (<see cref="SourceRevision.IsLegacyName"/>) are this source's, and are renamed.</param>
    public static async Task<Plan> MakeAsync(ApiClient client, IReadOnlyList<ManifestDocument> documents, string? source, bool prune,
        DateTimeOffset now, CancellationToken cancellationToken, bool adopt = false, bool migrate = false)
    {
        var current = new Dictionary<ResourceKind, Dictionary<string, JsonObject>>();
        foreach (var kind in ResourceKind.Declarative)
        {
            var objects = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            await foreach (var item in client.ListAllAsync(kind.ListOperation, cancellationToken: cancellationToken))
            {
                objects[Terminal.Text(item["name"])!] = item;
            }
            current[kind] = objects;
        }

        var problems = new List<string>();
        var conflicts = new List<string>();
        var changes = new List<PlannedChange>();
        // The former names of this source: one is taken as this source; two (two clones' folders) cannot be told apart.
        var formerNames = !migrate || source is null ? [] : current.Values.SelectMany(o => o.Values)
            .Select(o => Terminal.Text(o["managedBy"])).OfType<string>().Where(o => SourceRevision.IsLegacyName(o, source)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (formerNames.Count > 1)
        {
            throw new CliException(ExitCodes.Conflict, $"nothing was applied: objects are managed by {string.Join(" and ", formerNames.Select(n => $"'{n}'"))}, " +
                $"names older CLIs gave '{source}' in different checkouts; say which this is with --source NAME (the objects of the others stay theirs)");
        }
        string? Former(string? owner) => owner is not null && formerNames.Contains(owner) ? owner : null;

        foreach (var document in documents.OrderBy(d => Order(d.Kind)))
        {
            current[document.Kind].TryGetValue(document.Name, out var existing);
            var owner = existing is null ? null : Terminal.Text(existing["managedBy"]);
            var former = Former(owner);
            if (existing is not null && source is null)
            {
                conflicts.Add($"{document.Where()}: {document.Title} exists already (scheduleman apply changes it)");
                continue;
            }
            if (owner is not null && owner != source && former is null)
            {
                conflicts.Add($"{document.Where()}: {document.Title} is managed by source '{owner}', not '{source}'; apply it from there (or with --source {owner})");
                continue;
            }
            if (existing is null)
            {
                changes.Add(new PlannedChange(ChangeAction.Create, document.Kind, document.Name, document, null, []));
                continue;
            }
            var fields = SpecComparer.Compare(document.Kind, Desired(document), SpecComparer.Project(document.Kind, existing));
            if (owner is null && !adopt)
            {
                // Made in the API or the UI: an apply that took it over would let a later prune delete it (docs/cli.md promises never).
                changes.Add(new PlannedChange(ChangeAction.NotAdopted, document.Kind, document.Name, document, existing, fields));
                continue;
            }
            var action = fields.Count > 0 || owner is null || former is not null ? ChangeAction.Update : ChangeAction.Unchanged;
            changes.Add(new PlannedChange(action, document.Kind, document.Name, document, existing, fields, Adopt: owner is null, FormerSource: former));
        }

        if (prune)
        {
            foreach (var kind in ResourceKind.Declarative)
            {
                foreach (var (name, existing) in current[kind])
                {
                    var declared = documents.Any(d => d.Kind == kind && d.Name == name);
                    // An outage that ended or was cancelled is history: there is nothing left to remove.
                    var gone = kind == ResourceKind.Outage && Terminal.Text(existing["state"]) is "ended" or "cancelled";
                    var owner = Terminal.Text(existing["managedBy"]);
                    if (!declared && !gone && owner is not null && (owner == source || Former(owner) is not null))
                    {
                        changes.Add(new PlannedChange(ChangeAction.Delete, kind, name, null, existing, [], FormerSource: Former(owner)));
                    }
                }
            }
        }

        Validate(changes, documents, current, now, problems);
        if (problems.Count > 0)
        {
            throw new CliException(ExitCodes.Invalid, $"nothing was applied: {Count(problems.Count, "problem")} in the documents", problems);
        }
        if (conflicts.Count > 0)
        {
            throw new CliException(ExitCodes.Conflict, source is null
                ? $"nothing was created: {Count(conflicts.Count, "object")} exist already"
                : $"nothing was applied: {Count(conflicts.Count, "object")} managed by another source", conflicts);
        }
        return new Plan(source, changes);
    }

    /// <summary>A document's spec as the server would show it where it computes something from it (a calendar's public holidays).</summary>
    private static JsonObject Desired(ManifestDocument document)
    {
        if (document.Kind != ResourceKind.Calendar || document.Spec["publicHolidays"] is null)
        {
            return document.Spec;
        }
        var spec = (JsonObject)document.Spec.DeepClone();
        spec.Remove("publicHolidays");
        spec["holidays"] = LocalValidation.HolidaysOf(document.Spec, document.Name);
        return spec;
    }

    private static void Validate(List<PlannedChange> changes, IReadOnlyList<ManifestDocument> documents,
        Dictionary<ResourceKind, Dictionary<string, JsonObject>> current, DateTimeOffset now, List<string> problems)
    {
        var deleted = changes.Where(c => c.Action == ChangeAction.Delete).Select(c => (c.Kind, c.Name)).ToHashSet();
        BusinessCalendar? Calendar(string name)
        {
            if (documents.FirstOrDefault(d => d.Kind == ResourceKind.Calendar && d.Name == name) is { } declared)
            {
                return LocalValidation.CalendarOf(declared.Spec, name);
            }
            return !deleted.Contains((ResourceKind.Calendar, name)) && current[ResourceKind.Calendar].TryGetValue(name, out var existing)
                ? LocalValidation.CalendarFromServer(existing)
                : null;
        }
        bool WorkflowExists(string name) =>
            documents.Any(d => d.Kind == ResourceKind.Workflow && d.Name == name) ||
            (!deleted.Contains((ResourceKind.Workflow, name)) && current[ResourceKind.Workflow].ContainsKey(name));

        foreach (var change in changes.Where(c => c.Action is ChangeAction.Create or ChangeAction.Update))
        {
            var document = change.Document!;
            foreach (var (field, messages) in LocalValidation.Check(document, Calendar, now))
            {
                foreach (var message in messages)
                {
                    problems.Add($"{document.Where(field)}: {(field.Length == 0 ? "" : field + ": ")}{message}");
                }
            }
            if (document.Kind == ResourceKind.Schedule && document.Spec["target"]?["type"]?.ToString() == "workflow" &&
                Terminal.Text(document.Spec["target"]?["workflow"]) is { } workflow && !WorkflowExists(workflow))
            {
                problems.Add($"{document.Where("target.workflow")}: target.workflow: there is no workflow named '{workflow}' in these files or on the server");
            }
        }

        // What stays must not lose what it names: the server refuses to delete a calendar in use, and a schedule would fail to start a deleted workflow.
        var staying = current[ResourceKind.Schedule].Where(s => !deleted.Contains((ResourceKind.Schedule, s.Key)))
            .Select(s => (s.Key, Spec: documents.FirstOrDefault(d => d.Kind == ResourceKind.Schedule && d.Name == s.Key)?.Spec ?? s.Value))
            .Concat(documents.Where(d => d.Kind == ResourceKind.Schedule && !current[ResourceKind.Schedule].ContainsKey(d.Name)).Select(d => (Key: d.Name, d.Spec)));
        foreach (var (name, spec) in staying)
        {
            if (Terminal.Text(spec["calendar"]) is { } calendar && deleted.Contains((ResourceKind.Calendar, calendar)))
            {
                problems.Add($"the prune would delete Calendar '{calendar}', which Schedule '{name}' (not deleted) follows");
            }
            if (Terminal.Text(spec["target"]?["workflow"]) is { } workflow && deleted.Contains((ResourceKind.Workflow, workflow)))
            {
                problems.Add($"the prune would delete Workflow '{workflow}', which Schedule '{name}' (not deleted) starts");
            }
        }
    }

    private static int Order(ResourceKind kind) => ResourceKind.Declarative.ToList().IndexOf(kind);

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
