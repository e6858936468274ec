using System.Text.Json;
using System.Text.Json.Serialization;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Targets;

/// <summary>
/// A NATS JetStream message through a broker connection the executors have by name: subject, headers and an optional
/// fixed body. Delivered when the stream acknowledges it; <c>Nats-Msg-Id</c> is the execution id, so that JetStream's
/// duplicate window drops a repeated attempt of an execution it already stored.
/// </summary>
public sealed record NatsTarget : TargetSpec
{
    public static readonly TargetKind Kind = new NatsKind();

    public const int MaxSubjectLength = 256;

    /// <summary>The executors' broker connection (<c>Brokers:&lt;name&gt;</c> with <c>Type=nats</c>).</summary>
    public required string Connection { get; init; }

    /// <summary>The subject: dot-separated tokens, no wildcards; a JetStream stream must capture it.</summary>
    public required string Subject { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body to send; when absent, the CloudEvents trigger envelope.</summary>
    public JsonElement? Body { get; init; }

    [JsonIgnore]
    public override string Type => "nats";

    [JsonIgnore]
    public override BrokerAddress Address => new(Connection, "subject", Subject);

    [JsonIgnore]
    public override string Summary => $"NATS {Connection}: subject {Subject}";

    public override TargetSpec MapSecrets(Func<string, string, string> map) => this with { Headers = MapHeaders(Headers, map) };

    public override TargetSpec MapParts(TargetParts parts) => this with
    {
        Headers = parts.Headers(Headers, http: false),
        Body = parts.Json("target.body", Body),
    };

    /// <summary>Why <paramref name="subject"/> cannot be published to, or null.</summary>
    public static string? SubjectProblem(string subject)
    {
        if (subject.Length > MaxSubjectLength)
        {
            return $"is {subject.Length} characters long; the limit is {MaxSubjectLength}";
        }
        if (subject.Any(c => c is not (> ' ' and <= '~')))
        {
            return "must be printable ASCII without spaces";
        }
        var tokens = subject.Split('.');
        if (tokens.Any(t => t.Length == 0))
        {
            return $"'{ValidationErrors.Excerpt(subject)}' has an empty token: tokens are separated by single dots, with none at either end";
        }
        if (tokens.Any(t => t is "*" or ">" || t.Contains('*') || t.Contains('>')))
        {
            return "must not contain the wildcards '*' or '>': a message is published to one subject";
        }
        if (subject.StartsWith('$') || subject.StartsWith("_INBOX.", StringComparison.Ordinal))
        {
            // $JS.API.…, $SYS.…, $KV.…: publishing there would call the server's own APIs.
            return "subjects starting with '$' or '_INBOX.' belong to the server (JetStream, system and reply subjects)";
        }
        return null;
    }

    private sealed class NatsKind : TargetKind
    {
        public override string Name => "nats";
        public override string Label => "NATS JetStream message";
        public override IReadOnlyCollection<string> Fields { get; } = ["connection", "subject", "headers", "body", "timeout"];
        public override bool UsesConnection => true;

        internal override TargetSpec? Validate(TargetRequest target, TargetBasics basics, ValidationErrors errors)
        {
            if (string.IsNullOrEmpty(target.Subject))
            {
                errors.Add("target.subject", "is required for nats targets");
            }
            else if (SubjectProblem(target.Subject) is { } problem)
            {
                errors.Add("target.subject", problem);
            }
            var body = TargetValidator.ValidateJson(target.Body, "target.body", errors);
            return errors.IsValid
                ? new NatsTarget { Connection = target.Connection!, Subject = target.Subject!, Headers = basics.Headers, Body = body, Timeout = basics.Timeout }
                : null;
        }
    }
}
