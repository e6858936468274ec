using Scheduler.Common.Results;
using Scheduler.Common.Schedules;

namespace Scheduler.Common.Workflows;

/// <summary>A workflow as clients send it: named steps and what each depends on. Everything is optional so that validation names each gap.</summary>
public sealed record WorkflowRequest
{
    /// <summary>Unique name within the tenant, e.g. <c>nightly-etl</c>.</summary>
    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Labels { get; init; }

    /// <summary>The steps (at most 200); each names the steps it depends on.</summary>
    public List<StepRequest>? Steps { get; init; }

    /// <summary>Declared parameters, by name, as a schedule's: a run is given them (run now, a backfill, the schedule that starts it), checked, defaults filled in.</summary>
    public Dictionary<string, Parameters.ParameterRequest?>? Parameters { get; init; }

    /// <summary>Runs of this workflow in progress at once (1–1000, default 16); further runs wait, queued, in the order they started.</summary>
    public int? MaxActiveRuns { get; init; }
}

/// <summary>One step: where it is triggered, what it waits for, and how it is retried and timed out.</summary>
public sealed record StepRequest
{
    /// <summary>Unique within the workflow: letters, digits, '-' and '_', at most 63, e.g. <c>extract</c>.</summary>
    public string? Id { get; init; }

    /// <summary>A webhook, Kafka, RabbitMQ or NATS target, as a schedule's; the step's run reports through the trigger's callback.</summary>
    public TargetRequest? Target { get; init; }

    /// <summary>The ids of the steps this one waits for.</summary>
    public List<string>? DependsOn { get; init; }

    /// <summary>When the step runs once its upstream steps end: <c>allSuccess</c> (default), <c>allDone</c>, <c>oneSuccess</c>, <c>oneFailed</c>.</summary>
    public string? TriggerRule { get; init; }

    /// <summary>Attempts (deliveries and reported failures) before the step fails, 1–100 (default 3).</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>The step's run timeout and heartbeat timeout (default: 1 h, none). <c>overlap</c> does not apply to steps.</summary>
    public CompletionRequest? Completion { get; init; }

    /// <summary><c>true</c>: whenever a step downstream of this one is rerun, this one is rerun first.</summary>
    public bool? RerunWithDownstream { get; init; }
}
