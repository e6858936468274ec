using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;
using Xunit.Abstractions;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// PostgreSQL refusing new connections (its connection limit reached) while one-shots come due: the API answers 503 with
/// Retry-After rather than 500, the executors back off, and once connections are allowed again every trigger is delivered,
/// none early, none lost. The processes connect as a role of their own whose connection limit the test lowers to 0.
/// </summary>
[Collection(Processes.Collection)]
public sealed class ConnectionBudgetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Refused_connections_are_a_503_with_retry_after_and_lose_no_trigger()
    {
        var server = await PostgresServer.SharedAsync();
        var role = $"budget_{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..6]}";
        string? database = null;
        await using var cluster = await WorkerCluster.StartAsync(direct =>
        {
            database = new NpgsqlConnectionStringBuilder(direct).Database;
            using var connection = new NpgsqlConnection(direct);
            connection.Execute($"""
                create role {role} login;
                grant usage on schema public to {role};
                grant select, insert, update, delete on all tables in schema public to {role};
                grant usage on all sequences in schema public to {role};
                """);
            return new NpgsqlConnectionStringBuilder(direct) { Username = role }.ConnectionString;
        });
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString);
        await admin.OpenAsync();

        var runAt = DateTimeOffset.UtcNow.AddSeconds(6).ToString("O", CultureInfo.InvariantCulture);
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var created = await cluster.ApiClient.PostAsJsonAsync("/api/v1/schedules", Schedule($"budget-{i}", runAt, cluster.EchoPort));
            Assert.True(created.IsSuccessStatusCode, $"{await created.Content.ReadAsStringAsync()}\n{cluster.Tails()}");
            ids.Add((string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        }
        var inUse = await admin.ExecuteScalarAsync<long>($"select count(*) from pg_stat_activity where usename = '{role}'");

        // No new connections for the processes' role, and the ones they hold are gone: as when max_connections is reached.
        await admin.ExecuteAsync($"alter role {role} connection limit 0; select pg_terminate_backend(pid) from pg_stat_activity where usename = '{role}'");
        HttpResponseMessage? refused = null;
        await WaitFor.ConditionAsync(async () =>
        {
            refused = await cluster.ApiClient.PostAsJsonAsync("/api/v1/schedules", Schedule("refused", runAt, cluster.EchoPort));
            return refused.StatusCode != HttpStatusCode.Created;
        }, TimeSpan.FromSeconds(20), "the API to be refused connections");
        Assert.True(refused!.StatusCode == HttpStatusCode.ServiceUnavailable, $"{refused.StatusCode}: {await refused.Content.ReadAsStringAsync()}\n{cluster.Tails()}");
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Nothing was changed", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The one-shots come due while no process can connect.
        await Task.Delay(TimeSpan.FromSeconds(8));
        await admin.ExecuteAsync($"alter role {role} connection limit -1");

        var received = await cluster.ReceivedOnceOnTimeAsync(ids, TimeSpan.FromSeconds(90), "every one-shot delivered after connections are allowed again");
        Assert.Equal(ids.Count, received.Select(r => r.ExecutionId).Distinct().Count());
        Assert.Equal(HttpStatusCode.Created, (await cluster.ApiClient.PostAsJsonAsync("/api/v1/schedules", Schedule("after", DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture), cluster.EchoPort))).StatusCode);
        var after = await admin.ExecuteScalarAsync<long>($"select count(*) from pg_stat_activity where usename = '{role}'");
        output.WriteLine($"connections of the API, two executors: {inUse} before the refusal, {after} after recovery; " +
                         $"latest delivery {received.Max(r => r.LatenessMs):0} ms after its time");
        await admin.ExecuteAsync($"select pg_terminate_backend(pid) from pg_stat_activity where usename = '{role}'");
    }

    private static JsonNode Schedule(string name, string runAt, int echoPort) => JsonNode.Parse($$$"""
        {"name": "{{{name}}}", "runAt": "{{{runAt}}}", "target": {"type": "webhook", "url": "http://127.0.0.1:{{{echoPort}}}/echo"}}
        """)!;
}
