using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scheduler.Common.Targets;

/// <summary>An HTTP call: method, URL, extra headers and an optional fixed body.</summary>
public sealed record WebhookTarget : TargetSpec
{
    public required Uri Url { get; init; }

    public string Method { get; init; } = "POST";

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body to send; when absent the CloudEvents trigger envelope is sent.</summary>
    public JsonElement? Body { get; init; }

    [JsonIgnore]
    public override string Type => "webhook";
}
