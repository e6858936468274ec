using System.Text.Json;
using Scheduler.Common;
using Scheduler.Common.Workflows;

namespace Scheduler.Storage.Workflows;

/// <summary>A row of <c>workflows</c>.</summary>
public sealed class WorkflowRecord
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public string Labels { get; init; } = "{}";
    public string Definition { get; init; } = "[]";
    public string DefinitionHash { get; init; } = "";
    public int MaxActiveRuns { get; init; }
    public int Version { get; init; }
    public string? ParametersJson { get; init; }
    public string[] SecretRefs { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The declarative source (<c>scheduleman apply --source</c>) that manages it; null: none.</summary>
    public string? ManagedBy { get; init; }

    /// <summary>Runs queued or running (filled by reads that count them).</summary>
    public int ActiveRuns { get; init; }

    /// <summary>The steps, read from <see cref="Definition"/> once.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<StepDefinition> Steps => _steps ??= WorkflowDefinition.StepsFromJson(Definition);

    private IReadOnlyList<StepDefinition>? _steps;

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, string> LabelMap =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(Labels, SchedulerJson.Options) ?? [];

    public WorkflowDefinition ToDefinition() => new()
    {
        Name = Name,
        Description = Description,
        Labels = LabelMap,
        Steps = Steps,
        MaxActiveRuns = MaxActiveRuns,
        Parameters = Parameters,
        SecretRefs = SecretRefs,
    };

    /// <summary>The declared parameters (empty when none are).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, Common.Parameters.ParameterSpec> Parameters => Common.Parameters.ParameterDeclaration.FromJson(ParametersJson);
}
