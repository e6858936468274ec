using System.Text.Json;
using Dapper;
using Npgsql;
using Scheduler.Common.Targets;

namespace Scheduler.Storage.Statistics;

/// <summary>A row of <c>executors</c> (timestamps as properties: Dapper maps timestamptz to them, not to record parameters).</summary>
public sealed record ExecutorRecord
{
    public string Id { get; init; } = "";
    public string Host { get; init; } = "";
    public string Version { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset LastSeenAt { get; init; }
    public long Attempts { get; init; }
    public long Failures { get; init; }

    /// <summary>The broker connections it has, name → type (<c>{"orders":"rabbitmq"}</c>), as JSON.</summary>
    public string ConnectionsJson { get; init; } = "{}";

    public IReadOnlyDictionary<string, string> Connections => ParseConnections(ConnectionsJson);

    /// <summary>Its grants (<see cref="BrokerGrants.Connections"/>), as JSON; written by the heartbeat, not read back by <see cref="StatisticsStore.ExecutorsAsync"/>.</summary>
    public string GrantsJson { get; init; } = "{}";

    /// <summary>Its attempts and failures per tenant (<c>{"acme": [12, 1]}</c>), as JSON; written by the heartbeat.</summary>
    public string TenantCountsJson { get; init; } = "{}";

    internal static Dictionary<string, string> ParseConnections(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
}

/// <summary>What the live executors have: connection name → the types they have it as, and the union of their grants.</summary>
public sealed record LiveConnections(IReadOnlyDictionary<string, IReadOnlySet<string>> Types, BrokerGrants Grants);

public sealed record TotalsRow(long Attempts, long Succeeded, long Failed, long TimedOut, long Lost, long DeadLettered, double? P95DurationMs, double? P95LatenessMs);

public sealed record ScheduleStatsRow(Guid? ScheduleId, string ScheduleName, long Attempts, long Succeeded, long Failures, double? P95DurationMs, double? P95LatenessMs);

public sealed record TargetStatsRow(string? Host, long Attempts, long Failed, long TimedOut, double? P95DurationMs);

public sealed record ExecutorStatsRow
{
    public string ExecutorId { get; init; } = "";
    public long Attempts { get; init; }
    public long Failures { get; init; }
    public DateTimeOffset LastAttemptAt { get; init; }
}

public sealed record RunStatsRow(Guid? ScheduleId, string ScheduleName, long Runs, long Succeeded, long Failed, long TimedOut, double? P50DurationMs, double? P95DurationMs);

public sealed record RunInProgressRow
{
    public Guid ExecutionId { get; init; }
    public Guid? ScheduleId { get; init; }
    public string ScheduleName { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset? DeliveredAt { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public double? UsualP95Ms { get; init; }
    public long UsualSamples { get; init; }
}

public sealed record Statistics(TotalsRow Totals, IReadOnlyList<ScheduleStatsRow> Schedules, IReadOnlyList<TargetStatsRow> Targets,
    IReadOnlyList<ExecutorStatsRow> Executors, IReadOnlyList<RunStatsRow> Runs, IReadOnlyList<RunInProgressRow> RunsInProgress);

/// <summary>Executors' heartbeats, and statistics computed from the attempt history.</summary>
public sealed class StatisticsStore(NpgsqlDataSource dataSource)
{
    public const int MaxRows = 100;

    public async Task HeartbeatAsync(ExecutorRecord executor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(StatisticsSql.Heartbeat, new
        {
            executor.Id,
            executor.Host,
            executor.Version,
            executor.StartedAt,
            Now = executor.LastSeenAt,
            executor.Attempts,
            executor.Failures,
            Connections = executor.ConnectionsJson,
            Grants = executor.GrantsJson,
            TenantCounts = executor.TenantCountsJson,
        }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Every broker connection (name → the types it has) of the executors seen since <paramref name="since"/>, and the
    /// union of their grants (a connection an executor reports without grants — one older than grants — is the default tenant's).
    /// </summary>
    public async Task<LiveConnections> LiveConnectionsAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string ConnectionsJson, string GrantsJson)>(
            new CommandDefinition(StatisticsSql.LiveConnections, new { Since = since }, cancellationToken: cancellationToken));
        var connections = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var grants = new List<BrokerGrants>();
        foreach (var (connectionsJson, grantsJson) in rows)
        {
            var named = ExecutorRecord.ParseConnections(connectionsJson);
            foreach (var (name, type) in named)
            {
                (connections.TryGetValue(name, out var types) ? types : connections[name] = new HashSet<string>(StringComparer.Ordinal)).Add(type);
            }
            var granted = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, List<string>>>>(grantsJson) ?? [];
            grants.Add(new BrokerGrants(named.Keys.Where(n => !granted.ContainsKey(n)).Select(n => (Name: n, Tenants: BrokerGrants.DefaultOnly))
                .Concat(granted.Select(g => (Name: g.Key, Tenants: (IReadOnlyDictionary<string, IReadOnlyList<string>>)g.Value
                    .ToDictionary(t => t.Key, t => (IReadOnlyList<string>)t.Value, StringComparer.Ordinal))))
                .ToDictionary(c => c.Name, c => c.Tenants, StringComparer.Ordinal)));
        }
        return new LiveConnections(connections.ToDictionary(c => c.Key, c => (IReadOnlySet<string>)c.Value, StringComparer.Ordinal), BrokerGrants.Union(grants));
    }

    /// <summary>The executors, with the attempts and failures of <paramref name="tenant"/> alone.</summary>
    public async Task<IReadOnlyList<ExecutorRecord>> ExecutorsAsync(string tenant, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ExecutorRecord>(new CommandDefinition(StatisticsSql.Executors, new { Tenant = tenant }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<Statistics> ComputeAsync(string tenant, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var parameters = new { Tenant = tenant, Since = since, Limit = MaxRows };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var totals = await connection.QuerySingleAsync<TotalsRow>(new CommandDefinition(StatisticsSql.Totals, parameters, cancellationToken: cancellationToken));
        var schedules = await connection.QueryAsync<ScheduleStatsRow>(new CommandDefinition(StatisticsSql.Schedules, parameters, cancellationToken: cancellationToken));
        var targets = await connection.QueryAsync<TargetStatsRow>(new CommandDefinition(StatisticsSql.Targets, parameters, cancellationToken: cancellationToken));
        var executors = await connection.QueryAsync<ExecutorStatsRow>(new CommandDefinition(StatisticsSql.ByExecutor, parameters, cancellationToken: cancellationToken));
        var runs = await connection.QueryAsync<RunStatsRow>(new CommandDefinition(StatisticsSql.Runs, parameters, cancellationToken: cancellationToken));
        var inProgress = await connection.QueryAsync<RunInProgressRow>(new CommandDefinition(StatisticsSql.RunsInProgress, parameters, cancellationToken: cancellationToken));
        return new Statistics(totals, schedules.AsList(), targets.AsList(), executors.AsList(), runs.AsList(), inProgress.AsList());
    }
}
