using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scheduler.Common.Parameters;

/// <summary>The type a declared parameter's value must have (named as JSON Schema names them).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The JSON type names are the API's words.")]
public enum ParameterType
{
    String,
    Integer,
    Number,
    Boolean,

    /// <summary>A calendar date, <c>YYYY-MM-DD</c> (a JSON string).</summary>
    Date,

    /// <summary>An ISO 8601 instant with offset (a JSON string).</summary>
    DateTime,

    /// <summary>Any JSON value.</summary>
    Json,
}

/// <summary>One declared parameter of a schedule or a workflow, as validated and stored.</summary>
/// <param name="Default">Used when a run is not given the parameter (every timed occurrence is given none).</param>
/// <param name="Required">A run must be given it (or have <paramref name="Default"/>).</param>
public sealed record ParameterSpec(
    ParameterType Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Required = false,
    JsonElement? Default = null,
    string? Description = null);

/// <summary>A declared parameter as clients send it.</summary>
public sealed record ParameterRequest
{
    /// <summary><c>string</c> (default), <c>integer</c>, <c>number</c>, <c>boolean</c>, <c>date</c> (YYYY-MM-DD), <c>dateTime</c> (ISO 8601) or <c>json</c> (any value).</summary>
    public string? Type { get; init; }

    /// <summary>A run must be given it unless it has a <c>default</c>.</summary>
    public bool? Required { get; init; }

    /// <summary>The value a run not given it gets (of <c>type</c>).</summary>
    public JsonElement? Default { get; init; }

    public string? Description { get; init; }
}

/// <summary>A declaration as stored (JSON: name → spec).</summary>
public static class ParameterDeclaration
{
    public static IReadOnlyDictionary<string, ParameterSpec> FromJson(string? json) =>
        json is null ? new Dictionary<string, ParameterSpec>()
            : JsonSerializer.Deserialize<Dictionary<string, ParameterSpec>>(json, SchedulerJson.Options) ?? new Dictionary<string, ParameterSpec>();

    public static string? ToJson(IReadOnlyDictionary<string, ParameterSpec> declared) =>
        declared.Count == 0 ? null : JsonSerializer.Serialize(declared, SchedulerJson.Options);
}

/// <summary>A declaration as responses show it: the request's shape, so that what is read can be sent back unchanged.</summary>
public static class ParameterViews
{
    public static Dictionary<string, ParameterRequest?>? ToRequest(IReadOnlyDictionary<string, ParameterSpec> declared) =>
        declared.Count == 0 ? null : declared.ToDictionary(p => p.Key, p => (ParameterRequest?)new ParameterRequest
        {
            Type = JsonNamingPolicy.CamelCase.ConvertName(p.Value.Type.ToString()),
            Required = p.Value.Required ? true : null,
            Default = p.Value.Default,
            Description = p.Value.Description,
        }, StringComparer.Ordinal);
}
