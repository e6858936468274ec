using Scheduler.Common.Targets;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Workflows;

namespace Scheduler.Executor.Delivery;

/// <summary>
/// "Delivers" a schedule's occurrence to a workflow: starts its run in the database, once per occurrence (a redelivery
/// finds the run the first one started), with the occurrence's scheduled time as the run's logical date.
/// </summary>
public sealed class WorkflowStarter(RunStore runs, TimeProvider time) : ITriggerDeliverer
{
    public string TargetType => "workflow";

    public async Task<DeliveryResult> DeliverAsync(ClaimedExecution execution, TargetSpec target, CancellationToken cancellationToken)
    {
        var workflow = (WorkflowTarget)target;
        using var timeout = new CancellationTokenSource(target.Timeout);
        // The run is for the occurrence's date and interval (or those a manual trigger asked for), with its parameters.
        var trigger = execution.Trigger;
        var run = await runs.StartAsync(execution.Tenant, null, workflow.Workflow,
            new RunStart(execution.Origin is "manual" or "backfill" ? execution.Origin : "schedule", trigger.EffectiveLogicalDate, execution.ParametersJson, execution.Id, trigger.Interval),
            time.GetUtcNow(), timeout.Token);
        return run is null
            ? new DeliveryResult(AttemptResult.Failed, null, $"there is no workflow '{workflow.Workflow}' in this schedule's tenant", Retryable: false)
            : DeliveryResult.Success(null);
    }
}
