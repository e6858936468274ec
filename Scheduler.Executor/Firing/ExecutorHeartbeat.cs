using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scheduler.Common.Targets;
using Scheduler.Executor.Delivery.Brokers;
using Scheduler.Storage.Statistics;

namespace Scheduler.Executor.Firing;

/// <summary>Reports this executor in the <c>executors</c> table every few seconds (for people; correctness never needs it).</summary>
public sealed class ExecutorHeartbeat(
    StatisticsStore store,
    TriggerDispatcher dispatcher,
    TimeProvider time,
    IOptions<ExecutorOptions> options,
    IOptions<BrokerOptions> brokers,
    BrokerGrants grants,
    ILogger<ExecutorHeartbeat> logger) : BackgroundService
{
    /// <summary>How often an executor reports; one not seen for three intervals is shown as gone.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private static readonly string Version = Assembly.GetExecutingAssembly().GetName().Version?.ToString() ?? "unknown";

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    // Names and types only (fixed for the process): the API checks a target's connection against them ...
    private readonly string _connections = JsonSerializer.Serialize(brokers.Value.ToDictionary(b => b.Key, b => b.Value.Type));

    // ... and the tenants' grants, so that the API refuses at write what this executor refuses at delivery.
    private readonly string _grants = JsonSerializer.Serialize(grants.Connections);

    /// <summary>Writes one heartbeat: what this executor has, and its attempts and failures (in all, and per tenant).</summary>
    public Task BeatAsync(CancellationToken cancellationToken) =>
        store.HeartbeatAsync(new ExecutorRecord
        {
            Id = options.Value.ExecutorId,
            Host = Environment.MachineName,
            Version = Version,
            StartedAt = _startedAt,
            LastSeenAt = time.GetUtcNow(),
            Attempts = dispatcher.Attempts,
            Failures = dispatcher.Failures,
            ConnectionsJson = _connections,
            GrantsJson = _grants,
            TenantCountsJson = JsonSerializer.Serialize(dispatcher.CountsByTenant()),
        }, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await BeatAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Heartbeat failed: {Message}", e.Message);
            }
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
