using Scheduler.Common.Targets;
using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Delivery;

/// <summary>Delivers triggers to one kind of target, within the target's timeout.</summary>
public interface ITriggerDeliverer
{
    /// <summary>The target type handled, as in <see cref="TargetSpec.Type"/>.</summary>
    string TargetType { get; }

    /// <summary>Never throws for a delivery failure: it is described in the result.</summary>
    Task<DeliveryResult> DeliverAsync(ClaimedExecution execution, TargetSpec target, CancellationToken cancellationToken);
}
