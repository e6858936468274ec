using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scheduler.Executor.Firing;
using Scheduler.Storage.Retention;

namespace Scheduler.Executor.Retention;

/// <summary>
/// Deletes history older than its window, continuously: every interval each executor tries a batch; the one that gets
/// the lock deletes, the others skip. Full batches follow each other (briefly paused, so the claim's transactions
/// interleave) until a batch comes back short, so deleting keeps up with any arrival rate the claim can sustain.
/// </summary>
public sealed class RetentionService(
    RetentionStore store,
    TimeProvider time,
    ExecutorTelemetry telemetry,
    IOptions<RetentionOptions> options,
    ILogger<RetentionService> logger) : BackgroundService
{
    private static readonly TimeSpan BetweenFullBatches = TimeSpan.FromMilliseconds(50);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            logger.LogInformation("Retention is off: history is kept");
            return;
        }
        var policy = new RetentionPolicy(settings.Window, settings.DeadLetterWindow, settings.BatchSize);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.Interval * (0.5 + Random.Shared.NextDouble()), time, stoppingToken);
                await RunAsync(policy, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The next interval tries again; nothing is lost by a late deletion.
                logger.LogWarning("Retention batch failed: {Message}", e.Message);
            }
        }
    }

    /// <summary>Batches until one comes back short (or another executor holds the lock).</summary>
    internal async Task RunAsync(RetentionPolicy policy, CancellationToken cancellationToken)
    {
        while (true)
        {
            var batch = await store.DeleteBatchAsync(time.GetUtcNow(), policy, cancellationToken);
            if (batch.Busy)
            {
                return;
            }
            telemetry.RetentionDeleted.Add(batch.Executions, new KeyValuePair<string, object?>("kind", "execution"));
            telemetry.RetentionDeleted.Add(batch.DeadLetters, new KeyValuePair<string, object?>("kind", "dead-letter"));
            telemetry.RetentionDeleted.Add(batch.Runs, new KeyValuePair<string, object?>("kind", "workflow-run"));
            telemetry.RetentionDeleted.Add(batch.Steps, new KeyValuePair<string, object?>("kind", "step"));
            if (batch.Total > 0)
            {
                logger.LogDebug("Retention deleted {Executions} executions, {Dead} dead letters, {Runs} runs ({Steps} steps)",
                    batch.Executions, batch.DeadLetters, batch.Runs, batch.Steps);
            }
            var full = batch.Executions >= policy.BatchSize || batch.DeadLetters >= policy.BatchSize || batch.Runs >= Math.Max(1, policy.BatchSize / 10);
            if (!full)
            {
                return;
            }
            await Task.Delay(BetweenFullBatches, time, cancellationToken);
        }
    }
}
