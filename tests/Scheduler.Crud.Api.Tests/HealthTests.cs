using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests;

public class HealthTests
{
    [Fact]
    public async Task Api_is_ready_with_a_current_schema()
    {
        await using var api = new ApiFactory();
        await ((IAsyncLifetime)api).InitializeAsync();
        var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        await client.GetAsync("/api/v1/schedules");
        await WaitFor.ConditionAsync(async () => (await client.GetStringAsync("/metrics")).Contains("http_server_request_duration", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "HTTP server metrics on the Prometheus endpoint");
    }

    [Fact]
    public async Task Api_is_alive_but_not_ready_before_the_schema_is_migrated()
    {
        var empty = await (await PostgresServer.SharedAsync()).CreateEmptyDatabaseAsync();
        await using var api = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:Scheduler", empty);
            b.UseSetting("Secrets:Key", TestSettings.SecretKey);
        });
        var client = api.CreateClient();
        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }
}
