using System.Text.Json.Nodes;
using Scheduler.Cli.Output;
using Scheduler.Cli.Resources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Scheduler.Cli.Manifests;

/// <summary>One YAML document of a declarative source: which object it declares, and where each of its values was written.</summary>
public sealed record ManifestDocument(string File, int Index, ResourceKind Kind, string Name, JsonObject Spec, IReadOnlyDictionary<string, Mark> Marks)
{
    public string Title => $"{Kind.ManifestKind} '{Name}'";

    /// <summary><c>file: document N (Kind 'name'), line L</c> for a field of the spec (<c>cron</c>, <c>steps[1].target.url</c>).</summary>
    public string Where(string? specField = null) => $"{File}: document {Index} ({Title}), line {Line(specField)}";

    public long Line(string? specField) =>
        // The document as a whole is where it is named.
        ManifestReader.LineOf(Marks, specField is null ? "metadata.name" : "spec." + specField);
}

/// <summary>
/// Reads declarative documents from files and directories (<c>*.yaml</c>, <c>*.yml</c>, recursively, in name order) and checks
/// each against <see cref="ManifestSchema"/>. Every problem in every file is reported at once, by file, document and line;
/// nothing is returned unless all of them are well-formed.
/// </summary>
public static class ManifestReader
{
    /// <summary>Larger files are refused before parsing: a source of schedules is text people write.</summary>
    public const int MaxFileBytes = 1 << 20;

    public static IReadOnlyList<ManifestDocument> Read(IEnumerable<string> paths, string? baseDirectory = null)
    {
        var files = Files(paths);
        var documents = new List<ManifestDocument>();
        var problems = new List<string>();
        foreach (var file in files)
        {
            var shown = Path.GetRelativePath(baseDirectory ?? Directory.GetCurrentDirectory(), file);
            ReadFile(file, shown, documents, problems);
        }
        foreach (var duplicate in documents.GroupBy(d => (d.Kind.Name, d.Name)).Where(g => g.Count() > 1))
        {
            var places = duplicate.Select(d => $"{d.File}: document {d.Index} (line {d.Line(null)})").ToList();
            problems.Add($"{duplicate.First().Title} is declared {places.Count} times: {string.Join("; ", places)}");
        }
        if (problems.Count > 0)
        {
            throw new CliException(ExitCodes.Invalid, problems.Count == 1 ? "the documents have a problem" : $"the documents have {problems.Count} problems", problems);
        }
        return documents;
    }

    private static List<string> Files(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Where(f => !Path.GetRelativePath(path, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(Path.GetFullPath(path));
            }
            else
            {
                throw new CliException(ExitCodes.Usage, $"{path}: no such file or directory");
            }
        }
        if (files.Count == 0)
        {
            throw new CliException(ExitCodes.Invalid, $"no .yaml or .yml files in {string.Join(", ", paths)}");
        }
        return [.. files.Select(Path.GetFullPath).Distinct()];
    }

    private static void ReadFile(string file, string shown, List<ManifestDocument> documents, List<string> problems)
    {
        if (new FileInfo(file).Length > MaxFileBytes)
        {
            problems.Add($"{shown}: is larger than {MaxFileBytes / 1024} KiB");
            return;
        }
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(File.ReadAllText(file));
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            problems.Add($"{shown}: line {e.Start.Line}, column {e.Start.Column}: {Plain(e)}");
            return;
        }
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            if (root is YamlScalarNode { Value: null or "" })
            {
                continue; // an empty document, e.g. after a trailing ---
            }
            var index = i + 1;
            var marks = new Dictionary<string, Mark>(StringComparer.Ordinal);
            JsonNode? json;
            try
            {
                json = YamlJson.ToJson(root, marks);
            }
            catch (YamlException e)
            {
                problems.Add($"{shown}: document {index}, line {e.Start.Line}: {Plain(e)}");
                continue;
            }
            if (json is not JsonObject document)
            {
                problems.Add($"{shown}: document {index}, line {root.Start.Line}: a document is a mapping of apiVersion, kind, metadata and spec");
                continue;
            }
            var errors = ManifestSchema.Check(document);
            var kindName = Terminal.Text(document["kind"]);
            var name = Terminal.Text(document["metadata"]?["name"]);
            var title = kindName is not null && name is not null ? $" ({kindName} '{name}')" : "";
            foreach (var (path, message) in errors)
            {
                var line = LineOf(marks, path);
                problems.Add($"{shown}: document {index}{title}, line {line}: {(path.Length == 0 ? "" : path + ": ")}{message}");
            }
            if (errors.Count > 0)
            {
                continue;
            }
            var kind = ResourceKind.Declarative.Single(k => k.ManifestKind == kindName);
            var spec = document["spec"]!.AsObject();
            if (Terminal.Text(spec["name"]) is { } specName && specName != name)
            {
                problems.Add($"{shown}: document {index}{title}, line {marks["spec.name"].Line}: spec.name: '{specName}' is not metadata.name ('{name}'); leave it out");
                continue;
            }
            spec.Remove("name");
            documents.Add(new ManifestDocument(shown, index, kind, name!, spec, marks));
        }
    }

    /// <summary>The line of the value at <paramref name="path"/>, else of the nearest enclosing value that was written (a missing field is reported where its object is).</summary>
    internal static long LineOf(IReadOnlyDictionary<string, Mark> marks, string path)
    {
        while (!marks.ContainsKey(path) && path.Length > 0)
        {
            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            path = cut <= 0 ? "" : path[..cut];
        }
        return marks.TryGetValue(path, out var mark) ? mark.Line : 1;
    }

    // YamlDotNet's messages begin with the position, which the CLI prints in its own form.
    private static string Plain(YamlException e)
    {
        var message = e.InnerException?.Message ?? e.Message;
        var close = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && close > 0 ? message[(close + 3)..] : message;
    }
}
