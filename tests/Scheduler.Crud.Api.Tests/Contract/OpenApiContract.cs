using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Scheduler.Crud.Api.Tests.Contract;

/// <summary>
/// The OpenAPI document as a judge of real answers: for a request's method and path it finds the operation, for
/// the answer's status the documented response, and checks the body against that response's schema (JSON
/// Schema 2020-12, which OpenAPI 3.1 schemas are). A violation names the operation, the status and the field.
/// </summary>
public sealed class OpenApiContract
{
    private sealed record Operation(string Method, string Template, Regex Path, string Id, IReadOnlyList<Parameter> Parameters,
        IReadOnlyDictionary<string, Response> Responses);

    /// <summary>A documented parameter: <paramref name="In"/> is <c>query</c>, <c>path</c> or <c>header</c>.</summary>
    public sealed record Parameter(string Name, string In);

    /// <param name="Schemas">Media type → the schema its body must satisfy (null: any body).</param>
    private sealed record Response(IReadOnlyDictionary<string, JsonSchema?> Schemas);

    private readonly List<Operation> _operations = [];

    public OpenApiContract(string documentJson)
    {
        var document = JsonNode.Parse(documentJson)!.AsObject();
        // Component references become $defs of each response schema, so that each is a self-contained JSON Schema.
        var definitions = Rewrite(document["components"]?["schemas"]?.DeepClone() ?? new JsonObject());
        var build = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        var count = 0;
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            var pattern = new Regex("^" + Regex.Replace(Regex.Escape(template), @"\\\{[^/]+?}", "[^/]+") + "$", RegexOptions.CultureInvariant);
            foreach (var (method, operation) in item!.AsObject())
            {
                var responses = new Dictionary<string, Response>(StringComparer.Ordinal);
                foreach (var (status, response) in operation!["responses"]!.AsObject())
                {
                    var schemas = new Dictionary<string, JsonSchema?>(StringComparer.OrdinalIgnoreCase);
                    foreach (var (mediaType, content) in response!["content"]?.AsObject() ?? [])
                    {
                        if (content!["schema"] is not JsonObject schema)
                        {
                            schemas[mediaType] = null;
                            continue;
                        }
                        // $id first: JsonSchema.Net resolves a $ref against the base URI it has seen when it reaches the $ref.
                        var self = new JsonObject
                        {
                            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                            ["$id"] = $"urn:scheduleman:contract:{++count}",
                        };
                        foreach (var (keyword, value) in Rewrite(schema.DeepClone()).AsObject())
                        {
                            self[keyword] = value?.DeepClone();
                        }
                        self["$defs"] = definitions.DeepClone();
                        schemas[mediaType] = JsonSchema.FromText(self.ToJsonString(), build);
                    }
                    responses[status] = new Response(schemas);
                }
                var parameters = (operation["parameters"]?.AsArray() ?? []).Select(p => new Parameter((string)p!["name"]!, (string)p["in"]!)).ToList();
                _operations.Add(new Operation(method.ToUpperInvariant(), template, pattern, (string?)operation["operationId"] ?? $"{method} {template}",
                    parameters, responses));
            }
        }
    }

    /// <summary>The operations: method, path template (<c>/api/v1/schedules/{id}</c>), operation id and documented parameters.</summary>
    public IEnumerable<(string Method, string Template, string Id, IReadOnlyList<Parameter> Parameters)> Operations =>
        _operations.Select(o => (o.Method, o.Template, o.Id, o.Parameters));

    /// <summary>Why this answer breaks the contract, or null when it keeps it (or the path is not part of the API).</summary>
    public string? Violation(string method, string path, int status, string? mediaType, string body)
    {
        var candidates = _operations.Where(o => o.Path.IsMatch(path)).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }
        // A literal segment beats a parameter (/schedules/{id} must not claim a request for a deeper literal path).
        var operation = candidates.Where(o => string.Equals(o.Method, method, StringComparison.OrdinalIgnoreCase)).OrderBy(o => o.Template.Count(c => c == '{')).FirstOrDefault();
        if (operation is null)
        {
            return status == 405 ? null : $"{method} {path}: no operation in the document has this method, yet it answered {status}";
        }
        var where = $"{operation.Id} ({operation.Method} {operation.Template}) answered {status}";
        if (!operation.Responses.TryGetValue(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response) &&
            !operation.Responses.TryGetValue($"{status / 100}XX", out response) &&
            !operation.Responses.TryGetValue("default", out response))
        {
            return $"{where}, a status the document does not list for it (it lists {string.Join(", ", operation.Responses.Keys)})";
        }
        if (body.Length == 0)
        {
            return null;
        }
        if (response.Schemas.Count == 0)
        {
            return $"{where} with a body, but the document says this response has none";
        }
        if (mediaType is null || !response.Schemas.TryGetValue(mediaType, out var schema))
        {
            return $"{where} as {mediaType ?? "no content type"}; the document lists {string.Join(", ", response.Schemas.Keys)}";
        }
        if (schema is null)
        {
            return null;
        }
        // As deep as the API may answer (stored rows may nest past what a request may send).
        using var instance = JsonDocument.Parse(body, Scheduler.Common.SchedulerJson.DocumentOptions);
        var result = schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return null;
        }
        var errors = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .Select(d => $"field '{d.InstanceLocation}' ({d.EvaluationPath}): {string.Join("; ", d.Errors!.Values)}")
            .Distinct()
            .Take(5);
        return $"{where} with a body its schema does not allow:\n  " + string.Join("\n  ", errors);
    }

    private static JsonNode Rewrite(JsonNode node) =>
        JsonNode.Parse(node.ToJsonString().Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal))!;
}
