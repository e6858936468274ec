using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

public class HealthTests
{
    [Fact]
    public async Task Executor_readiness_follows_the_database_and_liveness_does_not()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        using var host = RealTimeTests.BuildHost(connectionString);
        await host.StartAsync();
        try
        {
            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            async Task<bool> Ready() => (await http.GetAsync("/readyz")).IsSuccessStatusCode;

            await WaitFor.ConditionAsync(Ready, TimeSpan.FromSeconds(10), "ready with the database up");
            await using (var dataSource = NpgsqlDataSource.Create(connectionString))
            {
                await WaitFor.ConditionAsync(async () =>
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    return await connection.ExecuteScalarAsync<long>("select count(*) from executors where last_seen_at > now() - interval '30 seconds'") == 1;
                }, TimeSpan.FromSeconds(20), "the executor's heartbeat in the executors table");
            }
            await WaitFor.ConditionAsync(async () => (await http.GetStringAsync("/metrics")) is var metrics
                    && metrics.Contains("scheduleman_claim_duration", StringComparison.Ordinal)
                    && metrics.Contains("scheduleman_due_backlog", StringComparison.Ordinal),
                TimeSpan.FromSeconds(20), "the claim and backlog metrics on the Prometheus endpoint");

            await using var admin = new NpgsqlConnection(server.AdminConnectionString);
            await admin.ExecuteAsync($"alter database {database} allow_connections false");
            await admin.ExecuteAsync("select pg_terminate_backend(pid) from pg_stat_activity where datname = @database", new { database });
            await WaitFor.ConditionAsync(async () => !await Ready(), TimeSpan.FromSeconds(20), "not ready while the database refuses connections");
            Assert.True((await http.GetAsync("/healthz")).IsSuccessStatusCode, "alive even without the database");

            await admin.ExecuteAsync($"alter database {database} allow_connections true");
            await WaitFor.ConditionAsync(Ready, TimeSpan.FromSeconds(20), "ready again once the database is back");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Two_executors_given_a_blank_address_both_start_on_free_ports()
    {
        // Regression: run.sh passed --urls "" and the second executor died binding the same default port.
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        string[] args = ["--urls", "", $"--ConnectionStrings:Scheduler={connectionString}", "--Logging:LogLevel:Default=Warning", .. TestSettings.Arguments];
        await using var first = ExecutorApp.Build(args);
        await using var second = ExecutorApp.Build(args);
        await first.StartAsync();
        await second.StartAsync();
        string Address(WebApplication app) => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.NotEqual(Address(first), Address(second));
        await first.StopAsync();
        await second.StopAsync();
    }
}
