using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Scheduler.Common.Results;
using Scheduler.Common.Targets;

namespace Scheduler.Common.Workflows;

/// <summary>A validated workflow: its steps in the order they were written, and the DAG they form.</summary>
public sealed record WorkflowDefinition
{
    public const int DefaultMaxActiveRuns = 16;

    public required string Name { get; init; }

    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public required IReadOnlyList<StepDefinition> Steps { get; init; }

    public int MaxActiveRuns { get; init; } = DefaultMaxActiveRuns;

    /// <summary>The declared parameters (empty: none declared, a run takes any JSON object).</summary>
    public IReadOnlyDictionary<string, Parameters.ParameterSpec> Parameters { get; init; } = new Dictionary<string, Parameters.ParameterSpec>();

    /// <summary>The named secrets the steps' headers use.</summary>
    public IReadOnlyList<string> SecretRefs { get; init; } = [];

    public Dag Dag => new(Steps);

    /// <summary>The steps as stored (and as a run snapshots them).</summary>
    public string StepsJson() => JsonSerializer.Serialize(Steps, SchedulerJson.Options);

    public static IReadOnlyList<StepDefinition> StepsFromJson(string json) =>
        JsonSerializer.Deserialize<List<StepDefinition>>(json, SchedulerJson.Options) ?? [];

    /// <summary>
    /// SHA-256 of what runs: the steps, with secrets redacted (a secret is not shown, and rotating one is not a new
    /// definition). The same steps give the same hash, whatever else changed.
    /// </summary>
    public static string HashOf(IReadOnlyList<StepDefinition> steps)
    {
        var redacted = steps.Select(s => s with { Target = s.Target.Redacted() }).ToList();
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(redacted, SchedulerJson.Options)));
        return "sha256:" + Convert.ToHexStringLower(bytes);
    }
}

/// <summary>One validated step.</summary>
/// <param name="RerunWithDownstream">Rerun this step whenever a step downstream of it is rerun.</param>
public sealed record StepDefinition(
    string Id,
    TargetSpec Target,
    IReadOnlyList<string> DependsOn,
    TriggerRule TriggerRule,
    int MaxAttempts,
    Completion Completion,
    bool RerunWithDownstream)
{
    public const int DefaultMaxAttempts = 3;
}
