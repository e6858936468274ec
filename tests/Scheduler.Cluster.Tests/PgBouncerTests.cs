using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Storage.Migrations;
using Scheduler.Testing;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// Everything through a real PgBouncer in transaction pooling mode, as many installations run PostgreSQL: migrators at once,
/// the API, two executors (no LISTEN: <c>Storage__ListenForWakeUps=false</c>) and the trigger path end to end.
/// </summary>
[Collection(Processes.Collection)]
public sealed class PgBouncerTests
{
    [Fact]
    public async Task Migrations_and_the_trigger_path_work_through_pgbouncer_in_transaction_mode()
    {
        var server = await PostgresServer.SharedAsync();
        await using var bouncer = await PgBouncer.StartAsync(server.AdminConnectionString);

        // Three migrators at once on an empty database, each through the pooler: every migration applied exactly once.
        var empty = await server.CreateEmptyDatabaseAsync();
        var through = Through(bouncer, empty);
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            await using var dataSource = NpgsqlDataSource.Create(through);
            return await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
        }));
        Assert.Equal(Enumerable.Range(1, Migrator.LatestVersion), runs.SelectMany(r => r).Order());
        await using (var dataSource = NpgsqlDataSource.Create(through))
        {
            Assert.Equal(Migrator.LatestVersion, await new Migrator(dataSource, NullLogger<Migrator>.Instance).CurrentVersionAsync());
        }

        await using var cluster = await WorkerCluster.StartAsync(direct => Through(bouncer, direct),
            new Dictionary<string, string> { ["Storage__ListenForWakeUps"] = "false" });
        var runAt = DateTimeOffset.UtcNow.AddSeconds(3).ToString("O", CultureInfo.InvariantCulture);
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var created = await cluster.ApiClient.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse($$$"""
                {"name": "through-pgbouncer-{{{i}}}", "runAt": "{{{runAt}}}",
                 "target": {"type": "webhook", "url": "http://127.0.0.1:{{{cluster.EchoPort}}}/echo"}}
                """));
            Assert.True(created.IsSuccessStatusCode, $"{await created.Content.ReadAsStringAsync()}\n{cluster.Tails()}");
            ids.Add((string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        }
        var received = await cluster.ReceivedOnceOnTimeAsync(ids, TimeSpan.FromSeconds(60), "every one-shot delivered through PgBouncer", bouncer.Log);
        Assert.Equal(ids.Count, received.Select(r => r.ExecutionId).Distinct().Count());

        // The executions were recorded as delivered, through the pooler too. WaitEcho answers before the executor records
        // the outcome (in a batch, after the response), so the last of them may still be on its way: wait for it.
        async Task<int> SucceededAsync() =>
            (await cluster.ApiClient.GetFromJsonAsync<JsonObject>("/api/v1/executions?status=succeeded&limit=500"))!["items"]!.AsArray().Count;
        await WaitFor.ConditionAsync(async () => await SucceededAsync() == ids.Count, TimeSpan.FromSeconds(30),
            "every execution recorded as succeeded", async () => $"succeeded: {await SucceededAsync()}\n{cluster.Tails()}");
        Assert.Equal(ids.Count, await SucceededAsync());
    }

    private static string Through(PgBouncer bouncer, string direct) =>
        new NpgsqlConnectionStringBuilder(bouncer.ConnectionString) { Database = new NpgsqlConnectionStringBuilder(direct).Database }.ConnectionString;
}
