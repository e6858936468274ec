using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;
using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Firing;

/// <summary>
/// Writes attempt outcomes in batches: whatever accumulated while the previous batch was being written goes in the next
/// statement, so throughput grows with load. A batch that would be small waits <see cref="Linger"/> for company first.
/// </summary>
public sealed class OutcomeRecorder : IAsyncDisposable
{
    private const int MaxBatch = 1_000;

    /// <summary>Fewer outcomes than this waiting: linger before writing them.</summary>
    private const int SmallBatch = 100;

    /// <summary>
    /// How long a small batch waits for more outcomes. Without it a steady stream was written one or two rows per statement:
    /// at 1,000 triggers/s PostgreSQL spent most of its time on the statements' fixed cost (the bench's steady scenario). The
    /// outcome is recorded this much later; the delivery itself, and so the lateness, is not delayed.
    /// </summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(20);

    // Not marked single-reader: that channel cannot count what is waiting, which the linger asks.
    private readonly Channel<(AttemptOutcome Outcome, TaskCompletionSource Done)> _queue = Channel.CreateUnbounded<(AttemptOutcome, TaskCompletionSource)>();
    private readonly ExecutionStore _store;
    private readonly TimeProvider _time;
    private readonly string _owner;
    private readonly ILogger<OutcomeRecorder> _logger;
    private readonly ResiliencePipeline _retry;
    private readonly Task _writer;

    public OutcomeRecorder(ExecutionStore store, TimeProvider time, IOptions<ExecutorOptions> options, ILogger<OutcomeRecorder> logger)
    {
        _store = store;
        _time = time;
        _owner = options.Value.ExecutorId;
        _logger = logger;
        // A database blip must not lose outcomes; if it lasts, the leases expire and the work is redone. The waits are real
        // time (waiting for another process to come back), not the scheduling clock: under a test's fake clock they would never end.
        _retry = new ResiliencePipelineBuilder { TimeProvider = TimeProvider.System }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>().Handle<TimeoutException>(),
                MaxRetryAttempts = 5,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
            })
            .Build();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues an outcome; the task completes once it is in the database.</summary>
    public Task RecordAsync(AttemptOutcome outcome)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((outcome, done)))
        {
            done.SetException(new InvalidOperationException("the outcome recorder is stopped"));
        }
        return done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(AttemptOutcome Outcome, TaskCompletionSource Done)>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            if (_queue.Reader.Count < SmallBatch)
            {
                // Real time, as the retries: under a test's fake clock a scheduling-clock delay would never end.
                await Task.Delay(Linger, TimeProvider.System);
            }
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            try
            {
                var outcomes = batch.ConvertAll(b => b.Outcome);
                await _retry.ExecuteAsync(async ct => await _store.RecordAsync(_owner, _time.GetUtcNow(), outcomes, ct), CancellationToken.None);
                batch.ForEach(b => b.Done.SetResult());
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Could not record {Count} outcomes; their leases will expire and they will be delivered again", batch.Count);
                batch.ForEach(b => b.Done.SetException(e));
            }
            batch.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }
}
