using System.Text.Json;
using System.Text.Json.Serialization;
using Scheduler.Common.Time;

namespace Scheduler.Common;

/// <summary>The one JSON dialect of the product: web defaults, camelCase enums, ISO 8601 durations.</summary>
public static class SchedulerJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the product's conventions to options owned by a host (e.g. ASP.NET's).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new DurationJsonConverter());
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.AllowOutOfOrderMetadataProperties = true;
        return options;
    }
}
