using System.Diagnostics.Metrics;
using Scheduler.Common.Results;
using Scheduler.Storage.Results;

namespace Scheduler.Crud.Api.Results;

/// <summary>The API's result-tracking metrics (meter "Scheduleman.Api"; see docs/observability.md).</summary>
public sealed class ResultsTelemetry : IDisposable
{
    public const string Name = "Scheduleman.Api";

    private readonly Meter _meter;
    private readonly Counter<long> _reports;
    private readonly Histogram<double> _runDuration;

    public ResultsTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(Name);
        _reports = _meter.CreateCounter<long>("scheduleman.reports", "{report}",
            "Workers' reports by status (running, succeeded, failed, cancelled) and outcome (accepted, duplicate, late, …)");
        _runDuration = _meter.CreateHistogram<double>("scheduleman.run.duration", "ms", "From delivery to the worker's final report, by final status");
    }

    public void Reported(RunStatus status, ReportResult result)
    {
        var statusTag = new KeyValuePair<string, object?>("status", status.ToString().ToLowerInvariant());
        _reports.Add(1, statusTag, new KeyValuePair<string, object?>("outcome", result.Outcome.ToString().ToLowerInvariant()));
        if (result is { Outcome: ReportOutcome.Accepted, Execution: { DeliveredAt: { } delivered, CompletedAt: { } done } } && status != RunStatus.Running)
        {
            _runDuration.Record((done - delivered).TotalMilliseconds, statusTag);
        }
    }

    public void Dispose() => _meter.Dispose();
}
