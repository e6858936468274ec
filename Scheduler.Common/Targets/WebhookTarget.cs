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

    /// <summary>Standard Webhooks secret (<c>whsec_…</c>): when set, every delivery carries <c>webhook-signature</c>.</summary>
    public string? SigningSecret { get; init; }

    [JsonIgnore]
    public override string Type => "webhook";

    public override TargetSpec MapSecrets(Func<string, string, string> map) => this with
    {
        Headers = MapHeaders(Headers, map),
        SigningSecret = SigningSecret is null ? null : map("target.signingSecret", SigningSecret),
    };
}
