using System.Text.Json.Nodes;

namespace Scheduler.Cli.Http;

/// <summary>An operation of the API as its OpenAPI document states it: method, path template and the statuses it may answer.</summary>
public sealed record ApiOperation(string Id, HttpMethod Method, string Template, IReadOnlySet<int> Statuses);

/// <summary>
/// The API's OpenAPI document, embedded at build time: the CLI calls operations by their id and learns their paths, the
/// statuses they may answer and the shapes of their requests from it, so that it cannot drift from the API it talks to.
/// </summary>
public sealed class ApiContract
{
    private readonly Dictionary<string, ApiOperation> _operations = new(StringComparer.Ordinal);

    private ApiContract(JsonObject document)
    {
        Document = document;
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation?["operationId"]?.GetValue<string>() is not { } id)
                {
                    continue;
                }
                var statuses = operation["responses"]!.AsObject().Select(r => int.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
                _operations[id] = new ApiOperation(id, new HttpMethod(method.ToUpperInvariant()), template, statuses);
            }
        }
    }

    public static ApiContract Embedded { get; } = Load();

    public JsonObject Document { get; }

    public IEnumerable<ApiOperation> Operations => _operations.Values;

    public ApiOperation this[string operationId] =>
        _operations.TryGetValue(operationId, out var operation)
            ? operation
            : throw new InvalidOperationException($"The API's document has no operation '{operationId}'");

    /// <summary>A component schema, e.g. <c>ScheduleRequest</c>.</summary>
    public JsonObject Schema(string name) =>
        Document["components"]?["schemas"]?[name] as JsonObject ?? throw new InvalidOperationException($"The API's document has no schema '{name}'");

    /// <summary>The property names of a request schema, in the document's order: what a document's <c>spec</c> may hold.</summary>
    public IReadOnlyList<string> Properties(string schema) => [.. Schema(schema)["properties"]!.AsObject().Select(p => p.Key)];

    private static ApiContract Load()
    {
        using var stream = typeof(ApiContract).Assembly.GetManifestResourceStream("openapi.json")
            ?? throw new InvalidOperationException("openapi.json is not embedded in the CLI");
        return new ApiContract(JsonNode.Parse(stream)!.AsObject());
    }
}
