using System.Text.Json;
using Scheduler.Common;
using Scheduler.Common.Parameters;
using Scheduler.Common.Results;
using Scheduler.Common.Schedules;
using Scheduler.Common.Targets;

namespace Scheduler.Storage.Schedules;

/// <summary>A row of <c>schedules</c>.</summary>
public sealed class ScheduleRecord
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public string Labels { get; init; } = "{}";
    public string Kind { get; init; } = "";
    public string? Cron { get; init; }
    public string? TimeZone { get; init; }
    public DateTimeOffset? RunAt { get; init; }
    public TimeSpan? Delay { get; init; }
    public string Target { get; init; } = "";
    public int MaxAttempts { get; init; }
    public string State { get; init; } = "";
    public DateTimeOffset? NextFireAt { get; init; }
    public int Version { get; init; }
    public Guid? CalendarId { get; init; }
    public string? TimingJson { get; init; }
    public string? CompletionJson { get; init; }
    public string? ParametersJson { get; init; }
    public string[] SecretRefs { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The scheduled time of the latest occurrence the executors took to fire (skipped ones not counted); null: none yet.</summary>
    public DateTimeOffset? LastFiredAt { get; init; }

    /// <summary>The declarative source (<c>scheduleman apply --source</c>) that manages it; null: none.</summary>
    public string? ManagedBy { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public ScheduleTiming Timing => TimingOptions.Apply(new()
    {
        Kind = ScheduleKinds.FromDb(Kind),
        Cron = Cron,
        TimeZone = TimeZone,
        RunAt = RunAt,
        Delay = Delay,
    }, CalendarId, TimingJson);

    [System.Text.Json.Serialization.JsonIgnore]
    public TargetSpec TargetSpec => TargetSpec.FromJson(Target);

    /// <summary>The declared parameters (empty when none are).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, ParameterSpec> Parameters => ParameterDeclaration.FromJson(ParametersJson);

    [System.Text.Json.Serialization.JsonIgnore]
    public Completion? Completion => Completion.FromJson(CompletionJson);

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, string> LabelMap =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(Labels, SchedulerJson.Options) ?? [];
}
