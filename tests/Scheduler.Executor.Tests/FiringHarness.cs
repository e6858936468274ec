using Dapper;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Scheduler.Common.Schedules;
using Scheduler.Executor;
using Scheduler.Executor.Firing;
using Scheduler.Storage.Schedules;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

/// <summary>A fresh database, WaitEcho on real HTTP, and executors built on demand, all on one fake clock.</summary>
internal sealed class FiringHarness : IAsyncDisposable
{
    private readonly List<TestExecutor> _executors = [];

    private FiringHarness(string connectionString, NpgsqlDataSource dataSource, WaitEchoServer echo, FakeTimeProvider time)
    {
        ConnectionString = connectionString;
        DataSource = dataSource;
        Echo = echo;
        Time = time;
        Schedules = new ScheduleStore(dataSource, TestSettings.Secrets);
    }

    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }
    public WaitEchoServer Echo { get; }
    public FakeTimeProvider Time { get; }
    public ScheduleStore Schedules { get; }

    public static async Task<FiringHarness> StartAsync()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        // Whole seconds, so cron occurrences line up with what the tests compute.
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        return new FiringHarness(connectionString, NpgsqlDataSource.Create(connectionString), await WaitEchoServer.StartAsync(time), time);
    }

    /// <summary>An executor on the fake clock, with no lookahead (fake-clock tests advance time to due instants).</summary>
    public TriggerDispatcher Executor(string id, Action<ExecutorOptions>? configure = null, string? kafka = null)
    {
        var executor = new TestExecutor(ConnectionString, Time, id, configure, kafka);
        _executors.Add(executor);
        return executor.Dispatcher;
    }

    public async Task<ScheduleRecord> CreateAsync(ScheduleRequest request, string tenant = "default")
    {
        var errors = ScheduleValidator.Validate(request, Time.GetUtcNow(), out var definition);
        Assert.True(errors.IsValid, errors.ToString());
        return (await Schedules.InsertAsync(tenant, definition!, Time.GetUtcNow(), CancellationToken.None))!;
    }

    public static ScheduleRequest Webhook(string name, string url, int maxAttempts = 5) =>
        new() { Name = name, Target = new TargetRequest { Type = "webhook", Url = url }, MaxAttempts = maxAttempts };

    public async Task<List<ExecutionRow>> ExecutionsAsync(Guid? scheduleId = null)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<ExecutionRow>(
            """
            select id, schedule_id as ScheduleId, scheduled_for as ScheduledFor, origin, occurrences, status, attempt,
                   next_attempt_at as NextAttemptAt, lease_owner as LeaseOwner, last_error as LastError, last_status_code as LastStatusCode,
                   end_reason as EndReason
            from executions where @ScheduleId::uuid is null or schedule_id = @ScheduleId
            order by scheduled_for, id
            """, new { ScheduleId = scheduleId })).AsList();
    }

    public async Task<List<AttemptRow>> AttemptsAsync(Guid executionId)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<AttemptRow>(
            "select attempt, executor_id as ExecutorId, started_at as StartedAt, duration_ms as DurationMs, outcome, status_code as StatusCode, error from execution_attempts where execution_id = @executionId order by attempt",
            new { executionId })).AsList();
    }

    public async Task<string> DescribeAsync() =>
        string.Join('\n', (await ExecutionsAsync()).Select(e => $"{e.Id} {e.ScheduledFor:O} {e.Status} attempt {e.Attempt} {e.LastError}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var executor in _executors)
        {
            await executor.DisposeAsync();
        }
        await Echo.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

internal sealed class AttemptRow
{
    public int Attempt { get; init; }
    public string ExecutorId { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public double DurationMs { get; init; }
    public string Outcome { get; init; } = "";
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
}
