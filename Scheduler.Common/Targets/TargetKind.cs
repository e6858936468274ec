using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Targets;

/// <summary>
/// One kind of target: its name, the request fields it reads, and how a request becomes its <see cref="TargetSpec"/>.
/// Adding a kind is a spec record with its kind (one file here), a line in <see cref="TargetKinds.All"/> and in
/// <see cref="TargetSpec"/>'s derived types, and a deliverer on the executors; the claim, the API and the other kinds
/// do not change.
/// </summary>
public abstract class TargetKind
{
    /// <summary>The <c>type</c> as written in requests and stored targets.</summary>
    public abstract string Name { get; }

    /// <summary>For people: how the UI offers it.</summary>
    public abstract string Label { get; }

    /// <summary>
    /// The request fields this kind reads (names as in JSON), besides <c>type</c>. Any other field a request sets is
    /// refused as not applying, so a typo in the type never silently drops a field.
    /// </summary>
    public abstract IReadOnlyCollection<string> Fields { get; }

    /// <summary>Whether a workflow step may use it (false for a target that starts a workflow).</summary>
    public virtual bool InSteps => true;

    /// <summary>Whether its headers travel as HTTP headers (names are tokens, values printable ASCII).</summary>
    public virtual bool HttpHeaders => false;

    /// <summary>Whether it delivers through a broker connection the executors have by name (<c>target.connection</c>).</summary>
    public virtual bool UsesConnection => false;

    /// <summary>The kind's own fields checked; <paramref name="basics"/> are the shared ones, already checked.</summary>
    /// <returns>The spec, or null when <paramref name="errors"/> has problems.</returns>
    internal abstract TargetSpec? Validate(TargetRequest request, TargetBasics basics, ValidationErrors errors);
}

/// <summary>What every delivering kind has, checked once for all of them.</summary>
public sealed record TargetBasics(TimeSpan Timeout, IReadOnlyDictionary<string, string> Headers);

/// <summary>Every kind of target there is.</summary>
public static class TargetKinds
{
    public static readonly IReadOnlyList<TargetKind> All =
        [WebhookTarget.Kind, KafkaTarget.Kind, RabbitMqTarget.Kind, NatsTarget.Kind, WorkflowTarget.Kind];

    /// <summary>The kinds a message or call is delivered to (everything but starting a workflow): what a step may use.</summary>
    public static IEnumerable<TargetKind> Delivering => All.Where(k => k.InSteps);

    public static TargetKind? Find(string? name) => All.FirstOrDefault(k => k.Name == name);
}
