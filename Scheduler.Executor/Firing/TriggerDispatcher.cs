using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scheduler.Common.Delivery;
using Scheduler.Common.Executions;
using Scheduler.Common.Results;
using Scheduler.Common.Retry;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Common.Templates;
using Scheduler.Executor.Delivery;
using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Firing;

/// <summary>
/// One executor's firing machinery: <see cref="RunOnceAsync"/> claims due work; each claimed execution then
/// waits for its due time (never early), is delivered within its timeout and has its outcome recorded.
/// </summary>
public sealed class TriggerDispatcher(
    ExecutionStore store,
    OutcomeRecorder recorder,
    IEnumerable<ITriggerDeliverer> deliverers,
    TimeProvider time,
    ExecutorTelemetry telemetry,
    SecretBox secrets,
    SecretResolver namedSecrets,
    ReportToken reportTokens,
    BrokerGrants grants,
    IOptions<ExecutorOptions> options,
    ILogger<TriggerDispatcher> logger) : IDisposable
{
    private readonly ExecutorOptions _options = options.Value;
    private readonly Dictionary<string, ITriggerDeliverer> _deliverers = deliverers.ToDictionary(d => d.TargetType);
    private readonly RetryPolicy _retryPolicy = new(options.Value.RetryInitialBackoff, options.Value.RetryMaxBackoff);
    private readonly ConcurrentDictionary<(Guid Id, int Attempt), Task> _inFlight = new();
    // _inFlight's size, kept apart: a ConcurrentDictionary counts by taking every lock, and Room is read at each completion.
    private int _held;
    private readonly ConcurrentQueue<ClaimedExecution> _unstarted = new();
    // Claimed executions still waiting for their due time: whoever removes one first, its wait's end or a recall, decides
    // whether it is delivered. A dictionary add and remove per execution, no database round trip.
    private readonly ConcurrentDictionary<Guid, byte> _waiting = new();
    // Cancels waiting for due times on shutdown; deliveries already started are finished instead.
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _deliverySlots = new(options.Value.MaxConcurrentDeliveries);
    // Released when the room a waiting claim wants has freed up (0 wanted: nobody waits).
    private readonly SemaphoreSlim _roomFreed = new(0, 1);
    private int _roomWanted;
    // The last claim got all it asked for: the next one skips the claim's probe (see ClaimRequest.Backlog).
    private bool _backlog;

    public string ExecutorId => _options.ExecutorId;

    private long _attempts;
    private long _failures;

    /// <summary>Delivery attempts made by this process.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    /// <summary>Attempts that did not succeed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    // Per tenant, for the tenant's own view of the executors (one entry per tenant this process delivered for).
    private readonly ConcurrentDictionary<string, TenantCount> _byTenant = new(StringComparer.Ordinal);

    /// <summary>Attempts and failures by tenant: a tenant sees its own counts, never the fleet's.</summary>
    public IReadOnlyDictionary<string, long[]> CountsByTenant() =>
        _byTenant.ToDictionary(t => t.Key, t => new[] { Interlocked.Read(ref t.Value.Attempts), Interlocked.Read(ref t.Value.Failures) }, StringComparer.Ordinal);

    private sealed class TenantCount
    {
        public long Attempts;
        public long Failures;
    }

    /// <summary>Room for this many more executions (held ones wait for their time or are being delivered).</summary>
    public int Room => _options.MaxInFlight - Volatile.Read(ref _held);

    /// <summary>Claims what is due (bounded by the batch size and free capacity) and starts firing it.</summary>
    public async Task<Poll> RunOnceAsync(CancellationToken cancellationToken)
    {
        var room = Room;
        if (_stopping.IsCancellationRequested || room <= 0)
        {
            return new Poll(0, room <= 0);
        }
        var limit = Math.Min(_options.BatchSize, room);
        var claim = new ClaimRequest(_options.ExecutorId, time.GetUtcNow(), _options.Lookahead,
            limit, _options.MisfireThreshold, _options.LeaseMargin, _retryPolicy, CountRunsEnded, _backlog, CountLeasesLost);
        ClaimResult result;
        var started = time.GetTimestamp();
        using (var span = ExecutorTelemetry.Source.StartActivity("claim"))
        {
            result = await store.ClaimAsync(claim, cancellationToken);
            span?.SetTag("scheduleman.executor", _options.ExecutorId).SetTag("scheduleman.claimed", result.Executions.Count);
        }
        var claimed = result.Executions;
        var full = claimed.Count >= limit;
        _backlog = full;
        telemetry.ClaimDuration.Record(time.GetElapsedTime(started).TotalMilliseconds);
        telemetry.ClaimBatch.Record(claimed.Count);
        foreach (var execution in claimed)
        {
            _waiting[execution.Id] = 0;
            var key = (execution.Id, execution.Attempt);
            var firing = FireAsync(execution);
            // An attempt is claimed once, so the key is new; if it were not, the count must still match the dictionary.
            if (_inFlight.TryAdd(key, firing))
            {
                Interlocked.Increment(ref _held);
            }
            else
            {
                _inFlight[key] = firing;
            }
            _ = firing.ContinueWith(_ => Finished(key), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return new Poll(claimed.Count, full, result.NothingDue, result.NextDue);
    }

    /// <summary>
    /// Executions recalled after they were claimed (an outage or a calendar edit skipped them, in the database, in the write's
    /// transaction): those still waiting here are dropped rather than delivered; ids this executor does not hold are ignored.
    /// </summary>
    /// <returns>How many of them were waiting here.</returns>
    public int Recall(IReadOnlyList<Guid> ids)
    {
        var dropped = 0;
        foreach (var id in ids)
        {
            dropped += _waiting.TryRemove(id, out _) ? 1 : 0;
        }
        if (dropped > 0)
        {
            telemetry.Recalled.Add(dropped);
            logger.LogInformation("Dropped {Count} recalled executions before their due time", dropped);
        }
        return dropped;
    }

    private void Finished((Guid Id, int Attempt) key)
    {
        if (_inFlight.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _held);
        }
        if (Volatile.Read(ref _roomWanted) is > 0 and var wanted && Room >= wanted && Interlocked.Exchange(ref _roomWanted, 0) > 0)
        {
            _roomFreed.Release();
        }
    }

    /// <summary>
    /// Waits (at most <paramref name="timeout"/>) until there is room for <paramref name="wanted"/> more executions. An executor
    /// at capacity under a backlog claims again when a whole batch fits, not a few rows every few milliseconds: fewer, larger
    /// claims cost the database less per trigger.
    /// </summary>
    public async Task WaitForRoomAsync(int wanted, TimeSpan timeout, CancellationToken cancellationToken)
    {
        wanted = Math.Min(wanted, _options.MaxInFlight);
        Volatile.Write(ref _roomWanted, wanted);
        if (Room < wanted)
        {
            // A release after a time-out leaves the semaphore set: the next wait returns at once and claims what fits.
            await _roomFreed.WaitAsync(timeout, cancellationToken);
        }
        Volatile.Write(ref _roomWanted, 0);
    }

    private void CountRunsEnded(IReadOnlyList<RunEnd> ends)
    {
        foreach (var end in ends)
        {
            telemetry.RunsEnded.Add(1, new KeyValuePair<string, object?>("status", end.Status),
                new KeyValuePair<string, object?>("reason", end.EndReason ?? end.RunStatus ?? "worker-failed"));
        }
    }

    private void CountLeasesLost(IReadOnlyList<LeaseEnd> ends)
    {
        foreach (var end in ends)
        {
            telemetry.LeasesLost.Add(1, new KeyValuePair<string, object?>("status", end.Status));
        }
    }

    /// <summary>Completes when everything claimed so far has been delivered and recorded (or released).</summary>
    public async Task WhenIdleAsync()
    {
        while (!_inFlight.IsEmpty)
        {
            await Task.WhenAll(_inFlight.Values);
        }
    }

    /// <summary>Stops claiming, finishes deliveries in progress and hands back executions not yet started.</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await WhenIdleAsync().WaitAsync(cancellationToken);
        var unstarted = new List<ClaimedExecution>();
        while (_unstarted.TryDequeue(out var execution))
        {
            unstarted.Add(execution);
        }
        await store.ReleaseAsync(_options.ExecutorId, unstarted, cancellationToken);
        logger.LogInformation("Executor {ExecutorId} stopped; released {Count} executions not yet due", _options.ExecutorId, unstarted.Count);
    }

    private async Task FireAsync(ClaimedExecution execution)
    {
        // Each attempt is a trace of its own, not a child of whatever claimed it (local to this async flow).
        Activity.Current = null;
        try
        {
            try
            {
                await WaitUntilAsync(execution.DueAt, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                if (_waiting.TryRemove(execution.Id, out _))
                {
                    _unstarted.Enqueue(execution);
                }
                return;
            }
            if (!_waiting.TryRemove(execution.Id, out _))
            {
                // Recalled while it waited: the database already records it as skipped.
                return;
            }

            AttemptOutcome outcome;
            await _deliverySlots.WaitAsync();
            try
            {
                // Webhooks and Kafka messages carry this span as traceparent.
                using var span = ExecutorTelemetry.Source.StartActivity("deliver", ActivityKind.Producer);
                span?.SetTag("scheduleman.execution_id", execution.Id).SetTag("scheduleman.schedule_id", execution.ScheduleId)
                    .SetTag("scheduleman.attempt", execution.Attempt).SetTag("scheduleman.scheduled_for", execution.ScheduledFor.ToString("O"));
                var startedAt = time.GetUtcNow();
                var started = time.GetTimestamp();
                var (result, targetType) = await DeliverAsync(execution);
                outcome = Decide(execution, result, startedAt, time.GetElapsedTime(started));
                Measure(execution, targetType, outcome, span);
            }
            finally
            {
                _deliverySlots.Release();
            }
            await recorder.RecordAsync(outcome);
        }
        catch (Exception e)
        {
            // The lease expires and another attempt follows: nothing is lost, so log and carry on.
            logger.LogError(e, "Firing execution {ExecutionId} attempt {Attempt} failed unexpectedly", execution.Id, execution.Attempt);
        }
    }

    private void Measure(ClaimedExecution execution, string targetType, AttemptOutcome outcome, Activity? span)
    {
        Interlocked.Increment(ref _attempts);
        var tenant = _byTenant.GetOrAdd(execution.Tenant, _ => new TenantCount());
        Interlocked.Increment(ref tenant.Attempts);
        if (outcome.Result != AttemptResult.Succeeded)
        {
            Interlocked.Increment(ref _failures);
            Interlocked.Increment(ref tenant.Failures);
        }
        var target = new KeyValuePair<string, object?>("target.type", targetType);
        var result = new KeyValuePair<string, object?>("outcome", outcome.Result == AttemptResult.Succeeded ? "succeeded" : outcome.Dead ? "dead" : "failed");
        telemetry.Triggers.Add(1, target, result);
        telemetry.DeliveryDuration.Record(outcome.Duration.TotalMilliseconds, target, result);
        if (execution.Attempt == 1)
        {
            telemetry.Lateness.Record((outcome.StartedAt - execution.ScheduledFor).TotalMilliseconds, target);
        }
        span?.SetTag("target.type", targetType).SetTag("outcome", result.Value).SetTag("http.response.status_code", outcome.StatusCode);
        if (outcome.Result != AttemptResult.Succeeded)
        {
            span?.SetStatus(ActivityStatusCode.Error, outcome.Error);
        }
    }

    private async Task<(DeliveryResult Result, string TargetType)> DeliverAsync(ClaimedExecution execution)
    {
        var targetType = "unknown";
        try
        {
            var stored = execution.TargetSpec;
            targetType = stored.Type;
            // The grants are this executor's configuration: checked here, before anything is resolved or rendered.
            if (stored.Address is { } address && grants.Refusal(execution.Tenant, address) is { } refusal)
            {
                return (new DeliveryResult(AttemptResult.Failed, null, $"{refusal} (refused without trying; redrive once granted)", Retryable: false), targetType);
            }
            if (execution.TracksResult)
            {
                if (_options.CallbackUrl is not { } api)
                {
                    return (new DeliveryResult(AttemptResult.Failed, null,
                        "the schedule tracks results, but this executor has no Executor:CallbackUrl to tell the worker where to report", Retryable: true), targetType);
                }
                execution.Callback = new TriggerCallback(TriggerCallback.UrlFor(api, execution.Id, execution.Attempt), reportTokens.For(execution.Id));
            }
            // Secrets are decrypted only here, for the moment of delivery (each for the schedule or step it was written for);
            // templates are rendered with the execution's values and the named secrets their headers use.
            var target = secrets.Reveal(stored, execution.SecretContextFor);
            if (TargetTemplates.HasTemplates(target))
            {
                var names = TargetTemplates.SecretNames(target);
                var values = names.Count == 0 ? new Dictionary<string, string>() : await namedSecrets.ResolveAsync(execution.Tenant, names, CancellationToken.None);
                if (names.FirstOrDefault(n => !values.ContainsKey(n)) is { } missing)
                {
                    return (new DeliveryResult(AttemptResult.Failed, null, $"the target uses secret '{missing}', which does not exist in this tenant " +
                        "(create it with POST /api/v1/secrets, then redrive)", Retryable: false), targetType);
                }
                try
                {
                    target = TargetTemplates.Render(target, execution.Trigger, name => values[name], time);
                }
                catch (TemplateException e)
                {
                    return (new DeliveryResult(AttemptResult.Failed, null, $"the target's template cannot be rendered: {e.Message}", Retryable: false), targetType);
                }
            }
            if (!_deliverers.TryGetValue(target.Type, out var deliverer))
            {
                return (new DeliveryResult(AttemptResult.Failed, null, $"this executor cannot deliver to '{target.Type}' targets", Retryable: true), targetType);
            }
            // Not cancelled by shutdown: a started attempt is finished, bounded by its own timeout.
            return (await deliverer.DeliverAsync(execution, target, CancellationToken.None), targetType);
        }
        catch (SecretUnreadableException e)
        {
            // Moved or copied in the database, no attempt will read it; a v1 value waits for the migrate step. The message
            // names the field, never a value.
            return (new DeliveryResult(AttemptResult.Failed, null, e.Message, e.Retryable), targetType);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Delivering execution {ExecutionId} threw", execution.Id);
            return (new DeliveryResult(AttemptResult.Failed, null, e.Message, Retryable: true), targetType);
        }
    }

    private AttemptOutcome Decide(ClaimedExecution execution, DeliveryResult result, DateTimeOffset startedAt, TimeSpan duration)
    {
        if (result.Result == AttemptResult.Succeeded)
        {
            logger.LogDebug("Fired {ExecutionId} for {ScheduledFor:O}, {Lateness} ms late", execution.Id, execution.ScheduledFor,
                (startedAt - execution.ScheduledFor).TotalMilliseconds);
            return new AttemptOutcome(execution.Id, execution.Attempt, result.Result, startedAt, duration, result.StatusCode, null, null, Dead: false)
            {
                TracksResult = execution.TracksResult,
                IsWorkflowStep = execution.StepContextJson is not null,
                IsBackfillRun = execution.BackfillId is not null,
            };
        }

        var dead = !result.Retryable || execution.Attempt >= execution.MaxAttempts;
        DateTimeOffset? next = dead ? null : time.GetUtcNow() + _retryPolicy.NextDelay(execution.Attempt, Random.Shared.NextDouble(), result.RetryAfter);
        if (dead)
        {
            logger.LogWarning("Execution {ExecutionId} of schedule {ScheduleId} dead-lettered after attempt {Attempt}: {Error}",
                execution.Id, execution.ScheduleId, execution.Attempt, result.Error);
        }
        else
        {
            logger.LogInformation("Execution {ExecutionId} attempt {Attempt} failed ({Error}); retrying at {NextAttemptAt:O}",
                execution.Id, execution.Attempt, result.Error, next);
        }
        return new AttemptOutcome(execution.Id, execution.Attempt, result.Result, startedAt, duration, result.StatusCode, result.Error, next, dead)
        {
            TracksResult = execution.TracksResult,
            IsWorkflowStep = execution.StepContextJson is not null,
            IsBackfillRun = execution.BackfillId is not null,
        };
    }

    private async Task WaitUntilAsync(DateTimeOffset due, CancellationToken cancellationToken)
    {
        // Timers may round down to the millisecond: re-check rather than fire a fraction early.
        for (var remaining = due - time.GetUtcNow(); remaining > TimeSpan.Zero; remaining = due - time.GetUtcNow())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), time, cancellationToken);
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _deliverySlots.Dispose();
        _roomFreed.Dispose();
    }
}

/// <summary>What one claim did.</summary>
/// <param name="Claimed">How many executions were claimed.</param>
/// <param name="Full">All that was asked for came back (or there was no room to ask): more may be due.</param>
/// <param name="NothingDue">Nothing was claimable (see <see cref="ClaimResult"/>).</param>
/// <param name="NextDue">With <paramref name="NothingDue"/>: the earliest instant any work becomes due, as the claim's probe saw it.</param>
public sealed record Poll(int Claimed, bool Full, bool NothingDue = false, DateTimeOffset? NextDue = null);
