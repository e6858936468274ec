using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scheduler.Storage;
using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Firing;

/// <summary>
/// The executor's loop: claim, then sleep a jittered poll interval (shortened to the next known due time,
/// and cut short by a <see cref="DueNotifications"/> hint); recalls it hears of drop what they name from the waits. A database error is logged and backed off from,
/// never taken for "nothing to do".
/// </summary>
public sealed class FiringLoop(
    TriggerDispatcher dispatcher,
    ExecutionStore store,
    DueNotifications notifications,
    DatabaseClock clock,
    ExecutorTelemetry telemetry,
    IOptions<ExecutorOptions> options,
    ILogger<FiringLoop> logger) : BackgroundService
{
    private static readonly TimeSpan BacklogInterval = TimeSpan.FromSeconds(5);
    // Released by a hint; a burst of hints wakes the loop once.
    private readonly SemaphoreSlim _wake = new(0, 1);

    private static readonly TimeSpan MinSleep = TimeSpan.FromMilliseconds(20);
    // Short enough that an executor is back within the 10 s promise soon after the database is.
    private static readonly TimeSpan MaxErrorBackoff = TimeSpan.FromSeconds(5);
    private readonly ExecutorOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Executor {ExecutorId} starting (poll {Poll}, lookahead {Lookahead}, batch {Batch})",
            _options.ExecutorId, _options.PollInterval, _options.Lookahead, _options.BatchSize);
        var listening = notifications.ListenAsync(Wake, ids => dispatcher.Recall(ids), stoppingToken);
        // Executors started together must not poll together.
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(1_000, _options.PollInterval.TotalMilliseconds)), clock, stoppingToken);

        var errors = 0;
        var lastSync = DateTimeOffset.MinValue;
        var lastBacklog = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan sleep;
            try
            {
                if (clock.GetUtcNow() - lastSync >= _options.ClockSyncInterval)
                {
                    await clock.SyncAsync(stoppingToken);
                    lastSync = clock.GetUtcNow();
                    logger.LogDebug("Clock offset from the database: {Offset} ms", clock.Offset.TotalMilliseconds);
                }
                var poll = await dispatcher.RunOnceAsync(stoppingToken);
                errors = 0;
                if (clock.GetUtcNow() - lastBacklog >= BacklogInterval)
                {
                    lastBacklog = clock.GetUtcNow();
                    telemetry.SetDueBacklog(await store.DueBacklogAsync(lastBacklog, stoppingToken));
                }
                // All that was asked for came back, so more may be waiting: claim again as soon as a batch fits (at once, if it
                // does). Less than asked: nothing more is due yet; sleep until the next due time or a poll.
                // (An idle claim already knows when the next work is due: its probe asked.)
                if (poll.Full)
                {
                    await dispatcher.WaitForRoomAsync(_options.BatchSize, _options.PollInterval, stoppingToken);
                    sleep = TimeSpan.Zero;
                }
                else
                {
                    sleep = SleepUntil(poll.NothingDue ? poll.NextDue : await store.NextDueAsync(stoppingToken));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                errors++;
                sleep = TimeSpan.FromMilliseconds(Math.Min(MaxErrorBackoff.TotalMilliseconds,
                    _options.PollInterval.TotalMilliseconds * Math.Pow(2, Math.Min(errors, 10))));
                logger.LogError(e, "Claiming failed ({Errors} in a row); retrying in {Sleep}", errors, sleep);
            }
            if (sleep > TimeSpan.Zero)
            {
                try
                {
                    await _wake.WaitAsync(sleep, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        await listening;
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake or about to be.
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await dispatcher.ShutdownAsync(cancellationToken);
    }

    private TimeSpan SleepUntil(DateTimeOffset? next)
    {
        var sleep = Jitter(_options.PollInterval);
        if (next is { } nextDue)
        {
            // Wake in time to claim it a lookahead early.
            var untilClaimable = nextDue - _options.Lookahead - clock.GetUtcNow();
            if (untilClaimable < sleep)
            {
                sleep = untilClaimable > MinSleep ? untilClaimable : MinSleep;
            }
        }
        return sleep;
    }

    private static TimeSpan Jitter(TimeSpan interval) => interval * (0.5 + Random.Shared.NextDouble());
}
