using System.Text.Json;
using System.Text.Json.Serialization;
using Scheduler.Common.Time;

namespace Scheduler.Common;

/// <summary>The one JSON dialect of the product: web defaults, camelCase enums, ISO 8601 durations.</summary>
public static class SchedulerJson
{
    /// <summary>
    /// Deepest JSON the product writes or reads back from storage. Far above what a request may send
    /// (<see cref="Validation.JsonInput.MaxDepth"/>, 32) plus what answers wrap around it, and above the 64 that bodies
    /// could nest before that bound existed: rows stored then must stay readable, and no answer may fail half-written.
    /// </summary>
    public const int MaxDepth = 128;

    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Reading JSON the product stored (or built), to the same depth it may write.</summary>
    public static JsonDocumentOptions DocumentOptions => new() { MaxDepth = MaxDepth };

    /// <summary>A stored JSON value as an element that outlives its document.</summary>
    public static JsonElement ParseStored(string json)
    {
        using var document = JsonDocument.Parse(json, DocumentOptions);
        return document.RootElement.Clone();
    }

    /// <summary>Applies the product's conventions to options owned by a host (e.g. ASP.NET's).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new DurationJsonConverter());
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.AllowOutOfOrderMetadataProperties = true;
        options.MaxDepth = MaxDepth;
        // The web defaults read "3" as 3: an integer is a JSON number, like any other type it is refused in a string.
        options.NumberHandling = JsonNumberHandling.Strict;
        return options;
    }
}
