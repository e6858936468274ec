using System.Text.Json;
using System.Text.Json.Serialization;
using Scheduler.Common.Schedules;
using Scheduler.Common.Security;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Targets;

/// <summary>An HTTP call: method, URL, extra headers and an optional fixed body.</summary>
public sealed record WebhookTarget : TargetSpec
{
    public static readonly TargetKind Kind = new WebhookKind();

    public required Uri Url { get; init; }

    public string Method { get; init; } = "POST";

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body to send; when absent the CloudEvents trigger envelope is sent.</summary>
    public JsonElement? Body { get; init; }

    /// <summary>Standard Webhooks secret (<c>whsec_…</c>): when set, every delivery carries <c>webhook-signature</c>.</summary>
    public string? SigningSecret { get; init; }

    [JsonIgnore]
    public override string Type => "webhook";

    [JsonIgnore]
    public override string Summary => $"{Method} {Url}";

    public override TargetSpec MapSecrets(Func<string, string, string> map) => this with
    {
        Headers = MapHeaders(Headers, map),
        SigningSecret = SigningSecret is null ? null : map("target.signingSecret", SigningSecret),
    };

    public override TargetSpec MapParts(TargetParts parts) => this with
    {
        Headers = parts.Headers(Headers, http: true),
        Body = parts.Json("target.body", Body),
    };

    private sealed class WebhookKind : TargetKind
    {
        private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

        public override string Name => "webhook";
        public override string Label => "Webhook (HTTP)";
        public override IReadOnlyCollection<string> Fields { get; } = ["url", "method", "headers", "body", "signingSecret", "timeout"];
        public override bool HttpHeaders => true;

        internal override TargetSpec? Validate(TargetRequest target, TargetBasics basics, ValidationErrors errors)
        {
            Uri? url = null;
            if (string.IsNullOrWhiteSpace(target.Url))
            {
                errors.Add("target.url", "is required for webhook targets");
            }
            else if (target.Url.Length > 2_048)
            {
                errors.Add("target.url", "is longer than 2048 characters");
            }
            else if (target.Url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                errors.Add("target.url", "must not contain spaces or control characters; percent-encode them");
            }
            else if (!Uri.TryCreate(target.Url, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https"))
            {
                errors.Add("target.url", $"'{ValidationErrors.Excerpt(target.Url)}' is not an absolute http or https URL");
            }
            else if (!HasValidHost(url))
            {
                errors.Add("target.url", $"'{ValidationErrors.Excerpt(url.Host)}' is not a valid host name (IDNA)");
            }
            else if (url.UserInfo.Length > 0)
            {
                // A URL is shown, listed, logged and traced; credentials in it would be too. Headers have the secret machinery.
                errors.Add("target.url", "must not carry credentials (user:password@host): put them in a header instead, " +
                    "e.g. Authorization: Basic …, which is encrypted at rest and never shown or logged, or sign deliveries with signingSecret");
            }

            var method = (target.Method ?? "POST").ToUpperInvariant();
            if (!Methods.Contains(method))
            {
                errors.Add("target.method", $"'{ValidationErrors.Excerpt(target.Method!)}' is not supported; use one of {string.Join(", ", Methods)}");
            }
            var body = TargetValidator.ValidateJson(target.Body, "target.body", errors);
            if (target.SigningSecret is { } secret && secret != SensitiveHeaders.Redacted && WebhookSignature.Problem(secret) is { } problem)
            {
                errors.Add("target.signingSecret", problem);
            }
            return errors.IsValid
                ? new WebhookTarget { Url = url!, Method = method, Headers = basics.Headers, Body = body, Timeout = basics.Timeout, SigningSecret = target.SigningSecret }
                : null;
        }

        private static bool HasValidHost(Uri url)
        {
            try
            {
                return url.IdnHost.Length > 0;
            }
            catch (UriFormatException)
            {
                return false;
            }
        }
    }
}
