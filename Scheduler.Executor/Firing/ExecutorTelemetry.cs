using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Scheduler.Executor.Firing;

/// <summary>The executor's spans and metrics (source and meter "Scheduleman.Executor"; see docs/observability.md).</summary>
public sealed class ExecutorTelemetry : IDisposable
{
    public const string Name = "Scheduleman.Executor";

    private readonly Meter _meter;

    public ExecutorTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(Name);
        Triggers = _meter.CreateCounter<long>("scheduleman.triggers", "{attempt}",
            "Delivery attempts by outcome (succeeded, failed, dead) and target type");
        Lateness = _meter.CreateHistogram<double>("scheduleman.trigger.lateness", "ms",
            "How long after its scheduled time an attempt started (first attempts)");
        DeliveryDuration = _meter.CreateHistogram<double>("scheduleman.delivery.duration", "ms", "How long a delivery attempt took");
        ClaimBatch = _meter.CreateHistogram<long>("scheduleman.claim.batch_size", "{execution}", "Executions claimed by one claim transaction");
        ClaimDuration = _meter.CreateHistogram<double>("scheduleman.claim.duration", "ms", "How long one claim transaction took (the poll's cost)");
        RunsEnded = _meter.CreateCounter<long>("scheduleman.runs.ended", "{run}",
            "Tracked runs the executors ended or sent back for retry: by status (pending = retried, dead, cancelled) and reason (worker-failed, timed-out, worker-silent)");
        Recalled = _meter.CreateCounter<long>("scheduleman.recalled", "{execution}",
            "Claimed executions dropped before their due time because an outage or a calendar edit recalled them");
        LeasesLost = _meter.CreateCounter<long>("scheduleman.leases.lost", "{attempt}",
            "Deliveries whose executor was lost while delivering them (their lease expired), by what became of them: pending (delivered again), dead, cancelled");
        RetentionDeleted = _meter.CreateCounter<long>("scheduleman.retention.deleted", "{row}",
            "History deleted by retention: executions (with their attempts), dead letters, workflow runs and their steps");
        _meter.CreateObservableGauge("scheduleman.due_backlog", () => Interlocked.Read(ref _dueBacklog), "{trigger}",
            "Schedules and executions due now and not yet claimed, as this executor last measured");
    }

    private long _dueBacklog;

    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Sets the backlog the gauge reports (measured by the firing loop every few seconds).</summary>
    public void SetDueBacklog(long value) => Interlocked.Exchange(ref _dueBacklog, value);

    public Counter<long> Triggers { get; }
    public Histogram<double> Lateness { get; }
    public Histogram<double> DeliveryDuration { get; }
    public Histogram<long> ClaimBatch { get; }
    public Histogram<double> ClaimDuration { get; }
    public Counter<long> RunsEnded { get; }
    public Counter<long> LeasesLost { get; }
    public Counter<long> RetentionDeleted { get; }
    public Counter<long> Recalled { get; }

    public void Dispose() => _meter.Dispose();
}
