using System.Net;
using Dapper;
using Npgsql;
using Scheduler.Storage.Retention;

namespace Scheduler.Crud.Api.Tests.Workflows;

/// <summary>Retention of workflow runs: a finished run older than the window goes with its steps' executions and attempts.</summary>
public class RunRetentionTests
{
    [Fact]
    public async Task A_finished_run_goes_with_its_steps_after_the_window_and_a_recent_one_stays()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var id = await WorkflowRunTests.CreateAsync(h, "etl", string.Join(",", WorkflowRunTests.Step(h, "extract"), WorkflowRunTests.Step(h, "load", "\"extract\"")));
        var old = (string)(await WorkflowRunTests.RunAsync(h, id))["id"]!;
        Assert.Equal("succeeded", (string?)(await WorkflowRunTests.FinishAsync(h, old))["status"]);
        h.Time.Advance(TimeSpan.FromDays(20));
        var recent = (string)(await WorkflowRunTests.RunAsync(h, id))["id"]!;
        Assert.Equal("succeeded", (string?)(await WorkflowRunTests.FinishAsync(h, recent))["status"]);
        h.Time.Advance(TimeSpan.FromDays(11));

        await using var dataSource = NpgsqlDataSource.Create(h.Api.ConnectionString);
        var batch = await new RetentionStore(dataSource).DeleteBatchAsync(h.Time.GetUtcNow(),
            new RetentionPolicy(TimeSpan.FromDays(30), TimeSpan.FromDays(90), 1_000), CancellationToken.None);
        Assert.Equal((1, 2), (batch.Runs, batch.Steps));

        Assert.Equal(HttpStatusCode.NotFound, (await h.Client.GetAsync($"/api/v1/workflow-runs/{old}")).StatusCode);
        Assert.Equal("succeeded", (string?)(await WorkflowRunTests.GetRunAsync(h, recent))["status"]);
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("select count(*) from executions where workflow_run_id = @Id::uuid", new { Id = old }));
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("select count(*) from executions where workflow_run_id = @Id::uuid", new { Id = recent }));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "select count(*) from execution_attempts a where not exists (select 1 from executions e where e.id = a.execution_id)"));
        // The workflow and its later runs are untouched; it runs again as before.
        Assert.Equal("succeeded", (string?)(await WorkflowRunTests.FinishAsync(h, (string)(await WorkflowRunTests.RunAsync(h, id))["id"]!))["status"]);
    }
}
