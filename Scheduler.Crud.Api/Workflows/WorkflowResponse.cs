using Scheduler.Common.Results;
using Scheduler.Common.Targets;
using Scheduler.Common.Workflows;
using Scheduler.Storage.Workflows;

namespace Scheduler.Crud.Api.Workflows;

/// <summary>A workflow as the API returns it: in the shape that is sent, plus its version, hash and runs in progress.</summary>
public sealed record WorkflowResponse
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required IReadOnlyList<StepResponse> Steps { get; init; }
    public int MaxActiveRuns { get; init; }
    /// <summary>The declared parameters (absent when none are).</summary>
    public Dictionary<string, Common.Parameters.ParameterRequest?>? Parameters { get; init; }
    /// <summary>SHA-256 of the steps (secrets excluded): every run records the hash of the definition it ran.</summary>
    public required string DefinitionHash { get; init; }
    /// <summary>Runs queued or running now.</summary>
    public int ActiveRuns { get; init; }
    public int Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The declarative source that manages it (<c>scheduleman apply --source</c>); absent: made in the API or the UI.</summary>
    public string? ManagedBy { get; init; }

    public static WorkflowResponse From(WorkflowRecord record) => new()
    {
        Id = record.Id,
        Name = record.Name,
        Description = record.Description,
        Labels = record.LabelMap,
        Steps = record.Steps.Select(StepResponse.From).ToList(),
        MaxActiveRuns = record.MaxActiveRuns,
        Parameters = Common.Parameters.ParameterViews.ToRequest(record.Parameters),
        DefinitionHash = record.DefinitionHash,
        ActiveRuns = record.ActiveRuns,
        Version = record.Version,
        CreatedAt = record.CreatedAt,
        UpdatedAt = record.UpdatedAt,
        ManagedBy = record.ManagedBy,
    };
}

/// <summary>A step as sent; secret header values and signing secrets are shown as <c>***</c> (send <c>***</c> back to keep them).</summary>
public sealed record StepResponse
{
    public required string Id { get; init; }
    public required TargetSpec Target { get; init; }
    public required IReadOnlyList<string> DependsOn { get; init; }
    /// <summary><c>allSuccess</c>, <c>allDone</c>, <c>oneSuccess</c> or <c>oneFailed</c>.</summary>
    public required string TriggerRule { get; init; }
    public int MaxAttempts { get; init; }
    public required CompletionRequest Completion { get; init; }
    public bool RerunWithDownstream { get; init; }

    public static StepResponse From(StepDefinition step) => new()
    {
        Id = step.Id,
        Target = step.Target.Redacted(),
        DependsOn = step.DependsOn,
        TriggerRule = TriggerRules.NameOf(step.TriggerRule),
        MaxAttempts = step.MaxAttempts,
        Completion = step.Completion.ToRequest() with { Overlap = null },
        RerunWithDownstream = step.RerunWithDownstream,
    };
}

/// <summary>A page of workflows; pass <c>nextCursor</c> as <c>cursor</c> for the next one (absent on the last page).</summary>
public sealed record WorkflowPage(IReadOnlyList<WorkflowResponse> Items, string? NextCursor);
