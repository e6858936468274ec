using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Scheduler.Cli.Http;
using Scheduler.Cli.Resources;

namespace Scheduler.Cli.Manifests;

/// <summary>
/// The JSON Schema of a declarative document (<c>apiVersion</c>, <c>kind</c>, <c>metadata.name</c>, <c>spec</c>), made from the
/// API's own request schemas: a <c>Schedule</c>'s <c>spec</c> is exactly a <c>ScheduleRequest</c>. Editors validate files with it
/// (<c>docs/cli/scheduleman.schema.json</c>); the CLI checks every document against it before anything else.
/// </summary>
public static partial class ManifestSchema
{
    public const string ApiVersion = "scheduleman/v1";
    public const string Id = "https://scheduleman.dev/schemas/scheduleman-v1.json";

    private static readonly Lazy<JsonSchema> Compiled = new(() => JsonSchema.FromText(Generate().ToJsonString(),
        new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    [GeneratedRegex("\"#/components/schemas/([A-Za-z0-9_]+)\"")]
    private static partial Regex Reference();

    public static JsonObject Generate(ApiContract? contract = null)
    {
        contract ??= ApiContract.Embedded;
        var definitions = new JsonObject();
        var pending = new Queue<string>(ResourceKind.Declarative.Select(k => k.RequestSchema!));
        while (pending.TryDequeue(out var name))
        {
            if (definitions.ContainsKey(name))
            {
                continue;
            }
            var text = contract.Schema(name).ToJsonString();
            foreach (Match match in Reference().Matches(text))
            {
                pending.Enqueue(match.Groups[1].Value);
            }
            definitions[name] = JsonNode.Parse(Reference().Replace(text, "\"#/$defs/$1\""));
        }
        var sorted = new JsonObject();
        foreach (var (name, schema) in definitions.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            sorted[name] = schema!.DeepClone();
        }
        var kinds = new JsonArray([.. ResourceKind.Declarative.Select(k => (JsonNode)k.ManifestKind!)]);
        var byKind = new JsonArray([.. ResourceKind.Declarative.Select(k => (JsonNode)new JsonObject
        {
            ["if"] = new JsonObject { ["properties"] = new JsonObject { ["kind"] = new JsonObject { ["const"] = k.ManifestKind } } },
            ["then"] = new JsonObject { ["properties"] = new JsonObject { ["spec"] = new JsonObject { ["$ref"] = $"#/$defs/{k.RequestSchema}" } } },
        })]);
        return new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = Id,
            ["title"] = "A Scheduleman object, as scheduleman apply reads it",
            ["description"] = "Generated from the API's OpenAPI document (scheduleman schema): spec is the body the API's create and replace operations take.",
            ["type"] = "object",
            ["required"] = new JsonArray("apiVersion", "kind", "metadata", "spec"),
            ["additionalProperties"] = false,
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["const"] = ApiVersion },
                ["kind"] = new JsonObject { ["enum"] = kinds },
                ["metadata"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray("name"),
                    ["additionalProperties"] = false,
                    ["properties"] = new JsonObject
                    {
                        ["name"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 200, ["description"] = "The object's name: unique per kind within the tenant; apply finds the object by it." },
                    },
                },
                ["spec"] = new JsonObject { ["type"] = "object" },
            },
            ["allOf"] = byKind,
            ["$defs"] = sorted,
        };
    }

    /// <summary>What is wrong with <paramref name="document"/>: (path such as <c>spec.target.url</c>, message), the deepest errors only.</summary>
    public static IReadOnlyList<(string Path, string Message)> Check(JsonNode document)
    {
        using var json = JsonDocument.Parse(document.ToJsonString());
        var result = Compiled.Value.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }
        // Left out: an "if" that did not match (it only selects the kind's spec schema), and the "null" branch of the API's
        // nullable fields (oneOf: [null, the schema]), whose failure only says that the value is not null.
        return [.. (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .Where(d => !d.EvaluationPath.ToString().Contains("/if", StringComparison.Ordinal) && !d.EvaluationPath.ToString().EndsWith("/oneOf/0", StringComparison.Ordinal))
            .SelectMany(d => d.Errors!.Select(e => (Path: Path(d.InstanceLocation.ToString()), Keyword: e.Key, e.Value)))
            .Where(e => e.Keyword is not ("anyOf" or "oneOf" or "allOf" or "then" or "$ref"))
            .Select(e => (e.Path, e.Path switch
            {
                "kind" => $"is not a kind: use {string.Join(", ", ResourceKind.Declarative.Select(k => k.ManifestKind))}",
                "apiVersion" => $"must be {ApiVersion}",
                _ => Message(e.Keyword, e.Value),
            }))
            .Distinct()];
    }

    private static string Message(string keyword, string message) => keyword switch
    {
        "false" or "additionalProperties" => "is not a known field (check its spelling)",
        // The API's numbers are documented as a number, or a string of digits.
        "pattern" => "must be a number",
        "enum" or "const" => "is not one of the allowed values: " + message,
        _ when message.Contains("false schema", StringComparison.Ordinal) => "is not a known field (check its spelling)",
        _ => message,
    };

    /// <summary><c>/spec/steps/0/id</c> → <c>spec.steps[0].id</c>, the form validation errors and positions use.</summary>
    public static string Path(string location)
    {
        var path = "";
        foreach (var raw in location.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            path = segment.All(char.IsAsciiDigit) ? $"{path}[{segment}]" : path.Length == 0 ? segment : $"{path}.{segment}";
        }
        return path;
    }
}
