using System.Text.Json;
using System.Text.Json.Serialization;
using Scheduler.Common.Time;

namespace Scheduler.Common.Results;

/// <summary>
/// A schedule's opt-in to result tracking: a run is finished only when its worker reports (or the run times out).
/// Stored as JSON on the schedule and copied onto each execution, like the target.
/// </summary>
/// <param name="RunTimeout">From delivery to the worker's final report; a run still going then has timed out.</param>
/// <param name="HeartbeatTimeout">Longest silence allowed between delivery or a <c>running</c> report and the next report.</param>
/// <param name="Overlap">What an occurrence does when it comes due while an earlier run of the schedule has not finished.</param>
public sealed record Completion(
    [property: JsonConverter(typeof(DurationJsonConverter))] TimeSpan RunTimeout,
    [property: JsonConverter(typeof(DurationJsonConverter))] TimeSpan? HeartbeatTimeout,
    OverlapPolicy Overlap)
{
    public static readonly TimeSpan DefaultRunTimeout = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxRunTimeout = TimeSpan.FromDays(7);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);

    public string ToJson() => JsonSerializer.Serialize(this, SchedulerJson.Options);

    public static Completion? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<Completion>(json, SchedulerJson.Options);

    /// <summary>The overlap policies by the names clients use (the documented camelCase ones only).</summary>
    public static IReadOnlyDictionary<string, OverlapPolicy> OverlapNames { get; } = new Dictionary<string, OverlapPolicy>(StringComparer.Ordinal)
    {
        ["allow"] = OverlapPolicy.Allow,
        ["skip"] = OverlapPolicy.Skip,
        ["bufferOne"] = OverlapPolicy.BufferOne,
    };

    /// <summary>This completion in the shape clients send, so that what is read back can be written back.</summary>
    public CompletionRequest ToRequest() => new()
    {
        RunTimeout = Durations.Format(RunTimeout),
        HeartbeatTimeout = HeartbeatTimeout is { } beat ? Durations.Format(beat) : null,
        Overlap = OverlapNames.Single(n => n.Value == Overlap).Key,
    };
}

/// <summary>Temporal's schedule overlap policy and Kubernetes' <c>concurrencyPolicy</c>, for runs that report back.</summary>
public enum OverlapPolicy
{
    /// <summary>Runs may overlap (the default; what schedules without completion always do).</summary>
    Allow,

    /// <summary>An occurrence due while a run is unfinished is recorded as skipped.</summary>
    Skip,

    /// <summary>One occurrence waits for the unfinished run and starts when it ends; any further one is skipped.</summary>
    BufferOne,
}

/// <summary><c>completion</c> as clients send it.</summary>
public sealed record CompletionRequest
{
    /// <summary>How long a run may take from delivery to its final report (default <c>1h</c>, 1 s to 7 days).</summary>
    public string? RunTimeout { get; init; }

    /// <summary>Optional: the longest silence between reports (<c>running</c> heartbeats) before the worker counts as gone.</summary>
    public string? HeartbeatTimeout { get; init; }

    /// <summary><c>allow</c> (default), <c>skip</c> or <c>bufferOne</c>: what an occurrence does while the previous run is unfinished.</summary>
    public string? Overlap { get; init; }
}
