using System.Text.Json;
using Scheduler.Common.Schedules;

namespace Scheduler.Common.Delivery;

/// <summary>What every delivery attempt of one occurrence carries; the execution id is its stable identity.</summary>
/// <param name="ScheduleId">The schedule it is an occurrence of; null for a workflow step (see <paramref name="Step"/>).</param>
/// <param name="Callback">With result tracking: where and how the worker reports on this attempt.</param>
/// <param name="Step">For a workflow step: its run, its id, the run's parameters and its upstream steps' outputs.</param>
/// <param name="LogicalDate">The date the run is for, when it is not <paramref name="ScheduledFor"/> (history mode, a backfill).</param>
/// <param name="Interval">The data interval the run covers (a timed occurrence's, or one asked for).</param>
/// <param name="Parameters">The run's parameters (given, with declared defaults filled in).</param>
/// <param name="BackfillId">The backfill the run belongs to.</param>
public sealed record TriggerContext(
    Guid ExecutionId,
    Guid? ScheduleId,
    string ScheduleName,
    DateTimeOffset ScheduledFor,
    int Attempt,
    TriggerCallback? Callback = null,
    StepContext? Step = null,
    DateTimeOffset? LogicalDate = null,
    DataInterval? Interval = null,
    JsonElement? Parameters = null,
    Guid? BackfillId = null)
{
    /// <summary>The date the run is for: a step's run's, the one asked for, or the occurrence's scheduled time.</summary>
    public DateTimeOffset EffectiveLogicalDate => Step?.LogicalDate ?? LogicalDate ?? ScheduledFor;

    /// <summary>The data interval: a step's run's, or the execution's.</summary>
    public DataInterval? EffectiveInterval => Step is { } step ? step.Interval : Interval;

    /// <summary>The parameters: a step's run's, or the execution's.</summary>
    public JsonElement? EffectiveParameters => Step is { } step ? step.Parameters : Parameters;

    /// <summary>The CloudEvents source: the schedule, or the workflow a step belongs to.</summary>
    public string Source => Step is { } step ? $"/scheduleman/workflows/{step.WorkflowId}" : $"/scheduleman/schedules/{ScheduleId}";

    /// <summary>What keeps related triggers in order (the default Kafka key): the schedule, or the step's run.</summary>
    public string OrderingKey => Step is { } step ? step.RunId.ToString() : ScheduleId?.ToString() ?? ExecutionId.ToString();
}

/// <summary>The report address of one attempt and the token that authorises reports on its execution (and no other).</summary>
public sealed record TriggerCallback(string Url, string Token)
{
    /// <summary>The report address of <paramref name="attempt"/> of <paramref name="executionId"/> on the API at <paramref name="apiBase"/>.</summary>
    public static string UrlFor(Uri apiBase, Guid executionId, int attempt) =>
        new Uri(apiBase, $"api/v1/executions/{executionId}/attempts/{attempt}/report").ToString();
}
