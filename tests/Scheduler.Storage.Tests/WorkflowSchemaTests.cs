using Dapper;
using Npgsql;
using Scheduler.Testing;

namespace Scheduler.Storage.Tests;

/// <summary>The workflow invariants the schema states itself, whatever the code does.</summary>
public class WorkflowSchemaTests
{
    private const string Step =
        """
        insert into executions (id, schedule_id, tenant, schedule_name, scheduled_for, origin, status, attempt, max_attempts, next_attempt_at,
                                target, created_at, workflow_run_id, step_id, run_attempt)
        values (gen_random_uuid(), @ScheduleId, 'default', 'w/a', now(), 'workflow', 'pending', 0, 3, now(), '{"type":"webhook","url":"http://a.example/"}',
                now(), @RunId, @StepId, @RunAttempt)
        """;

    [Fact]
    public async Task A_step_exists_once_per_run_attempt_and_an_execution_belongs_to_a_schedule_or_a_run_never_both()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await using var connection = await dataSource.OpenConnectionAsync();
        var workflow = Guid.NewGuid();
        var run = Guid.NewGuid();
        await connection.ExecuteAsync("""
            insert into workflows (id, name, definition, definition_hash, max_active_runs, created_at, updated_at)
            values (@Workflow, 'w', '[]', 'sha256:x', 1, now(), now());
            insert into workflow_runs (id, tenant, workflow_id, workflow_name, workflow_version, definition, definition_hash, origin, logical_date,
                                       status, created_at, started_at, updated_at)
            values (@Run, 'default', @Workflow, 'w', 1, '[]', 'sha256:x', 'manual', now(), 'running', now(), now(), now());
            """, new { Workflow = workflow, Run = run });

        await connection.ExecuteAsync(Step, new { ScheduleId = (Guid?)null, RunId = run, StepId = "a", RunAttempt = 1 });
        var twice = await Assert.ThrowsAsync<PostgresException>(() =>
            connection.ExecuteAsync(Step, new { ScheduleId = (Guid?)null, RunId = run, StepId = "a", RunAttempt = 1 }));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, twice.SqlState);
        // A rerun is another run attempt: allowed.
        await connection.ExecuteAsync(Step, new { ScheduleId = (Guid?)null, RunId = run, StepId = "a", RunAttempt = 2 });

        var neither = await Assert.ThrowsAsync<PostgresException>(() =>
            connection.ExecuteAsync(Step, new { ScheduleId = (Guid?)null, RunId = (Guid?)null, StepId = (string?)null, RunAttempt = (int?)null }));
        Assert.Equal(PostgresErrorCodes.CheckViolation, neither.SqlState);
        var halfAStep = await Assert.ThrowsAsync<PostgresException>(() =>
            connection.ExecuteAsync(Step, new { ScheduleId = (Guid?)null, RunId = run, StepId = "b", RunAttempt = (int?)null }));
        Assert.Equal(PostgresErrorCodes.CheckViolation, halfAStep.SqlState);
        var finishedWithoutTime = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
            "update workflow_runs set status = 'succeeded' where id = @Run", new { Run = run }));
        Assert.Equal(PostgresErrorCodes.CheckViolation, finishedWithoutTime.SqlState);
    }
}
