using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Delivery;

/// <summary>What one delivery attempt achieved.</summary>
/// <param name="Retryable">False when trying again cannot help (e.g. a 404): the execution goes straight to dead letter.</param>
/// <param name="RetryAfter">The target asked to be called again no sooner than this.</param>
public sealed record DeliveryResult(AttemptResult Result, int? StatusCode, string? Error, bool Retryable, TimeSpan? RetryAfter = null)
{
    public static DeliveryResult Success(int? statusCode) => new(AttemptResult.Succeeded, statusCode, null, Retryable: false);
}
