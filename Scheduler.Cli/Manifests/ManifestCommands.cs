using System.CommandLine;
using System.Text.Json.Nodes;
using Scheduler.Cli.Http;
using Scheduler.Cli.Output;
using Scheduler.Cli.Resources;

namespace Scheduler.Cli.Manifests;

/// <summary>Declarative YAML: <c>apply</c>, <c>diff</c>, <c>create -f</c>, <c>export</c> and <c>schema</c>.</summary>
public static class ManifestCommands
{
    public static IEnumerable<Command> Create() => [Apply(), Diff(), CreateFromFiles(), Export(), Schema()];

    private static Option<string[]> Files() => new("--filename", "-f")
    {
        Description = "A YAML file or a directory of them (read recursively; repeatable)",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };

    private static Option<string?> Source() => new("--source")
    {
        Description = "The name the objects are managed under (default: the directory's path in its git repository); prune removes only this source's objects",
    };

    private static Option<bool> Prune() => new("--prune") { Description = "Also delete what this source created that the files no longer declare (never other objects)" };

    private static Option<bool> Adopt() => new("--adopt")
    {
        Description = "Take over objects the files declare that exist but no source manages (made in the API or the UI); without it they are left alone",
    };

    /// <summary>Reads the files and works out the plan: everything that can be checked before writing is checked here.</summary>
    private static async Task<(Plan Plan, SourceRevision Revision)> PlanAsync(Invocation invocation, string[] paths, string? source, bool prune, bool adopt,
        CancellationToken cancellationToken)
    {
        var documents = ManifestReader.Read(paths);
        var revision = SourceRevision.Of(paths[0]);
        if (source is null && paths.Length > 1)
        {
            throw new CliException(ExitCodes.Usage, "with several -f, name the source they make up together: --source NAME");
        }
        var name = source ?? SourceRevision.DefaultSource(paths[0], revision);
        if (!SourceRevision.ValidSource().IsMatch(name))
        {
            throw new CliException(ExitCodes.Usage, $"--source '{name}' must be 1–100 letters, digits and . _ / @ + -");
        }
        // Only the default name has former spellings (an older CLI put the checkout's folder in front of the path).
        var migrate = source is null && revision.RepositoryPath is not null && !revision.AtTop;
        return (await Planner.MakeAsync(invocation.Client, documents, name, prune, DateTimeOffset.UtcNow, cancellationToken, adopt, migrate), revision);
    }

    private static Command Apply()
    {
        var files = Files();
        var source = Source();
        var prune = Prune();
        var adopt = Adopt();
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the plan and stop: nothing is written" };
        var revisionOption = new Option<string?>("--revision") { Description = "The source revision to record (default: the git commit of the files)" };
        var command = new Command("apply", "Make the server match the files: show the plan (what is created, changed field by field, deleted), then carry it out")
        {
            files, source, prune, adopt, dryRun, revisionOption,
        };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var (plan, revision) = await PlanAsync(invocation, invocation.Get(files)!, invocation.Get(source), invocation.Get(prune), invocation.Get(adopt), cancellationToken);
            Applier.Print(plan, invocation.Terminal);
            if (!plan.HasChanges)
            {
                invocation.Terminal.Note("Nothing to do: the server matches the files.");
                return ExitCodes.Ok;
            }
            if (invocation.Get(dryRun))
            {
                invocation.Terminal.Note("Dry run: nothing was written.");
                return ExitCodes.Ok;
            }
            var client = invocation.Client;
            client.AddHeader("Scheduleman-Managed-By", plan.Source!);
            if ((invocation.Get(revisionOption) ?? revision.Commit) is { } recorded)
            {
                client.AddHeader("Scheduleman-Revision", recorded);
                if (invocation.Get(revisionOption) is null && revision.Dirty is { } dirty)
                {
                    client.AddHeader("Scheduleman-Revision-Dirty", dirty ? "true" : "false");
                }
            }
            await Applier.ApplyAsync(client, plan, invocation.Terminal, cancellationToken);
            invocation.Terminal.Note($"Applied: {plan.Summary}{(revision.Commit is { } c ? $" (revision {c[..Math.Min(12, c.Length)]}{(revision.Dirty == true ? ", with uncommitted changes" : "")})" : "")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Diff()
    {
        var files = Files();
        var source = Source();
        var prune = Prune();
        var adopt = Adopt();
        var exitCode = new Option<bool>("--exit-code") { Description = $"Exit {ExitCodes.Changes} when there is anything to apply (as git diff --exit-code)" };
        var command = new Command("diff", "Show what apply would do, field by field, without writing anything") { files, source, prune, adopt, exitCode };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var (plan, _) = await PlanAsync(invocation, invocation.Get(files)!, invocation.Get(source), invocation.Get(prune), invocation.Get(adopt), cancellationToken);
            Applier.Print(plan, invocation.Terminal);
            if (!plan.HasChanges)
            {
                invocation.Terminal.Note("No changes: the server matches the files.");
            }
            return plan.HasChanges && invocation.Get(exitCode) ? ExitCodes.Changes : ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateFromFiles()
    {
        var files = Files();
        var command = new Command("create", "Create the objects the files declare (none may exist yet; nothing manages them: use apply for that)") { files };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var documents = ManifestReader.Read(invocation.Get(files)!);
            var plan = await Planner.MakeAsync(invocation.Client, documents, source: null, prune: false, DateTimeOffset.UtcNow, cancellationToken);
            await Applier.ApplyAsync(invocation.Client, plan, invocation.Terminal, cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export()
    {
        var directory = new Option<string?>("--directory", "-d") { Description = "Write one file per kind here (calendars.yaml, workflows.yaml, schedules.yaml, outages.yaml) instead of stdout" };
        var source = new Option<string?>("--source") { Description = "Only the objects this source manages" };
        var kinds = new Option<string[]>("--kind") { Description = "Only these kinds (Schedule, Calendar, Outage, Workflow; repeatable)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("export", "Write the server's schedules, calendars, outages and workflows as YAML that apply takes back unchanged")
        {
            directory, source, kinds,
        };
        command.WithAction(async (invocation, cancellationToken) =>
        {
            var wanted = invocation.Get(kinds) is { Length: > 0 } k
                ? k.Select(name => ResourceKind.Declarative.FirstOrDefault(d => string.Equals(d.ManifestKind, name, StringComparison.OrdinalIgnoreCase) || d.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase) || d.Name == name)
                    ?? throw new CliException(ExitCodes.Usage, $"--kind '{name}' is not one of Schedule, Calendar, Outage, Workflow")).ToHashSet()
                : [.. ResourceKind.Declarative];
            var byKind = new Dictionary<ResourceKind, List<JsonNode?>>();
            foreach (var kind in ResourceKind.Declarative.Where(wanted.Contains))
            {
                var documents = new List<JsonNode?>();
                await foreach (var item in invocation.Client.ListAllAsync(kind.ListOperation, cancellationToken: cancellationToken))
                {
                    if ((invocation.Get(source) is { } only && Terminal.Text(item["managedBy"]) != only) ||
                        (kind == ResourceKind.Outage && Terminal.Text(item["state"]) is "ended" or "cancelled"))
                    {
                        continue;
                    }
                    documents.Add(Document(kind, item));
                }
                byKind[kind] = [.. documents.OrderBy(d => d!["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal)];
            }
            if (invocation.Get(directory) is { } folder)
            {
                Directory.CreateDirectory(folder);
                foreach (var (kind, documents) in byKind.Where(d => d.Value.Count > 0))
                {
                    var file = Path.Combine(folder, kind.Aliases[0] + ".yaml");
                    await File.WriteAllTextAsync(file, YamlJson.Write(documents), cancellationToken);
                    invocation.Terminal.Note($"Wrote {Applier.Plural(documents.Count, kind.Name)} to {file}");
                }
            }
            else
            {
                invocation.Terminal.Line(YamlJson.Write(byKind.Values.SelectMany(d => d)).TrimEnd('\n'));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static JsonObject Document(ResourceKind kind, JsonObject current) => new()
    {
        ["apiVersion"] = ManifestSchema.ApiVersion,
        ["kind"] = kind.ManifestKind,
        ["metadata"] = new JsonObject { ["name"] = current["name"]?.DeepClone() },
        ["spec"] = SpecComparer.Minimal(kind, SpecComparer.Project(kind, current)),
    };

    private static Command Schema()
    {
        var command = new Command("schema", "Print the JSON Schema of the YAML documents (for editors; generated from the API's document)");
        command.WithAction((invocation, _) =>
        {
            invocation.Terminal.Line(ManifestSchema.Generate().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
