using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scheduler.Storage.Statistics;

namespace Scheduler.Executor.Firing;

/// <summary>Reports this executor in the <c>executors</c> table every few seconds (for people; correctness never needs it).</summary>
public sealed class ExecutorHeartbeat(
    StatisticsStore store,
    TriggerDispatcher dispatcher,
    TimeProvider time,
    IOptions<ExecutorOptions> options,
    IOptions<Delivery.Brokers.BrokerOptions> brokers,
    Common.Targets.BrokerGrants grants,
    ILogger<ExecutorHeartbeat> logger) : BackgroundService
{
    /// <summary>How often an executor reports; one not seen for three intervals is shown as gone.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private static readonly string Version = Assembly.GetExecutingAssembly().GetName().Version?.ToString() ?? "unknown";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var startedAt = time.GetUtcNow();
        // Names and types only (fixed for the process): the API checks a target's connection against them.
        var connections = System.Text.Json.JsonSerializer.Serialize(brokers.Value.ToDictionary(b => b.Key, b => b.Value.Type));
        // ... and which tenants may use them, for prefixes of what (the API refuses a target these grants refuse).
        var granted = System.Text.Json.JsonSerializer.Serialize(grants.Connections);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.HeartbeatAsync(new ExecutorRecord
                {
                    Id = options.Value.ExecutorId,
                    Host = Environment.MachineName,
                    Version = Version,
                    StartedAt = startedAt,
                    LastSeenAt = time.GetUtcNow(),
                    Attempts = dispatcher.Attempts,
                    Failures = dispatcher.Failures,
                    ConnectionsJson = connections,
                    GrantsJson = granted,
                    TenantCountsJson = System.Text.Json.JsonSerializer.Serialize(dispatcher.CountsByTenant()),
                }, stoppingToken);
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
