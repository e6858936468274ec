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
        var run = await runs.StartAsync(execution.Tenant, null, workflow.Workflow,
            new RunStart("schedule", execution.ScheduledFor, TriggerExecutionId: execution.Id), time.GetUtcNow(), timeout.Token);
        return run is null
            ? new DeliveryResult(AttemptResult.Failed, null, $"there is no workflow '{workflow.Workflow}' in this schedule's tenant", Retryable: false)
            : DeliveryResult.Success(null);
    }
}
