using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Scheduler.Storage.Access;

namespace Scheduler.Crud.Api.Tests.Targets;

/// <summary>Tenants and broker connections: the grants the executors publish, refused at write; the executors' counters per tenant.</summary>
public class TenantGrantTests
{
    // The brokers are never connected to: connections open at the first delivery, and these tests deliver to none.
    private static readonly Dictionary<string, string?> Granted = new()
    {
        ["Brokers:orders:Type"] = "rabbitmq",
        ["Brokers:orders:Uri"] = "amqp://127.0.0.1:9/",
        ["Brokers:orders:Tenants:default"] = "*",
        ["Brokers:orders:Tenants:other-team"] = "team.",
        // No grants: the default tenant's alone.
        ["Brokers:events:Type"] = "nats",
        ["Brokers:events:Uri"] = "nats://127.0.0.1:9",
        ["Kafka:BootstrapServers"] = "127.0.0.1:9",
        // Grants replace the default: the default tenant is listed like any other.
        ["Kafka:Tenants:default"] = "*",
        ["Kafka:Tenants:other-team"] = "team.",
    };

    private static JsonObject Schedule(string name, string target) =>
        JsonNode.Parse($$"""{ "name": "{{name}}", "cron": "0 0 6 * * *", "target": {{target}} }""")!.AsObject();

    private static async Task<HttpClient> OtherTenantAsync(ApiHarness h)
    {
        await using var dataSource = NpgsqlDataSource.Create(h.Api.ConnectionString);
        var key = (await new ApiKeyStore(dataSource, TimeProvider.System).CreateAsync("other-team", "their admin", "admin", CancellationToken.None)).Key;
        var client = h.Api.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<(HttpStatusCode Status, JsonObject? Errors)> PostAsync(HttpClient client, string url, JsonNode body)
    {
        var response = await client.PostAsJsonAsync(url, body);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (response.StatusCode, answer["errors"]?.AsObject());
    }

    [Fact]
    public async Task A_target_on_a_connection_or_topic_its_tenant_is_not_granted_is_refused_at_write_naming_the_field()
    {
        await using var h = await ApiHarness.StartAsync(executorSettings: Granted);
        await h.Executor.HeartbeatAsync();
        var theirs = await OtherTenantAsync(h);

        // The default tenant: '*' on orders, and the ungranted connection and the cluster are its by default.
        foreach (var target in new[]
                 {
                     """{ "type": "rabbitmq", "connection": "orders", "routingKey": "any-queue" }""",
                     """{ "type": "nats", "connection": "events", "subject": "jobs.a" }""",
                     """{ "type": "kafka", "topic": "triggers" }""",
                 })
        {
            Assert.Equal(HttpStatusCode.Created, (await PostAsync(h.Client, "/api/v1/schedules", Schedule($"ours-{Guid.NewGuid():N}", target))).Status);
        }

        // The other tenant: only its prefixes, refused by the field that is not granted.
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(theirs, "/api/v1/schedules",
            Schedule("team-jobs", """{ "type": "rabbitmq", "connection": "orders", "exchange": "team.jobs" }"""))).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(theirs, "/api/v1/schedules",
            Schedule("team-topic", """{ "type": "kafka", "topic": "team.reports" }"""))).Status);
        var snapshot = await h.Api.SnapshotAsync();

        var (status, errors) = await PostAsync(theirs, "/api/v1/schedules", Schedule("billing", """{ "type": "rabbitmq", "connection": "orders", "exchange": "billing" }"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["target.exchange"], errors!.Select(e => e.Key));
        Assert.Contains("tenant 'other-team' may use broker connection 'orders' only for exchanges starting with 'team.', not 'billing'", (string)errors!["target.exchange"]![0]!, StringComparison.Ordinal);

        (status, errors) = await PostAsync(theirs, "/api/v1/schedules", Schedule("events", """{ "type": "nats", "connection": "events", "subject": "team.a" }"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["target.connection"], errors!.Select(e => e.Key));
        Assert.Contains("tenant 'other-team' has no grant for broker connection 'events'", (string)errors!["target.connection"]![0]!, StringComparison.Ordinal);

        (status, errors) = await PostAsync(theirs, "/api/v1/schedules", Schedule("topic", """{ "type": "kafka", "topic": "triggers" }"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["target.topic"], errors!.Select(e => e.Key));
        Assert.Contains("only for topics starting with 'team.', not 'triggers'", (string)errors!["target.topic"]![0]!, StringComparison.Ordinal);

        // The default exchange routes to any queue by name: a prefix does not cover it.
        (status, errors) = await PostAsync(theirs, "/api/v1/schedules", Schedule("queue", """{ "type": "rabbitmq", "connection": "orders", "routingKey": "team.q" }"""));
        Assert.Equal((HttpStatusCode.BadRequest, "target.exchange"), (status, errors!.Single().Key));

        // A workflow's steps and a batch's items, per step and per item.
        (status, errors) = await PostAsync(theirs, "/api/v1/workflows", JsonNode.Parse("""
            { "name": "w", "steps": [ { "id": "a", "target": { "type": "kafka", "topic": "team.a" } },
                                      { "id": "b", "target": { "type": "nats", "connection": "events", "subject": "a.b" } } ] }
            """)!);
        Assert.Equal((HttpStatusCode.BadRequest, "steps[1].target.connection"), (status, errors!.Single().Key));
        var batch = await theirs.PostAsJsonAsync("/api/v1/schedules/batch", new JsonObject
        {
            ["items"] = new JsonArray(Schedule("ok-1", """{ "type": "kafka", "topic": "team.b" }"""), Schedule("bad-1", """{ "type": "kafka", "topic": "b" }""")),
        });
        Assert.Equal([201, 400], (await batch.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray().Select(r => (int)r!["status"]!));

        // A replace is checked as a create is: the stored schedule cannot be moved off its grant.
        var stored = (await theirs.GetFromJsonAsync<JsonObject>("/api/v1/schedules?name=team-jobs"))!["items"]![0]!;
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/schedules/{stored["id"]}")
        {
            Content = JsonContent.Create(Schedule("team-jobs", """{ "type": "rabbitmq", "connection": "orders", "exchange": "billing" }""")),
        };
        put.Headers.TryAddWithoutValidation("If-Match", $"\"{stored["version"]}\"");
        Assert.Equal(HttpStatusCode.BadRequest, (await theirs.SendAsync(put)).StatusCode);
        Assert.DoesNotContain("billing", (await h.Api.SnapshotAsync()).Replace(snapshot, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_tenant_sees_its_own_attempts_and_failures_on_the_executors_never_the_fleets()
    {
        await using var h = await ApiHarness.StartAsync();
        var theirs = await OtherTenantAsync(h);
        var fails = h.Webhook("ours-fails", "\"delay\": \"1s\"", "fail=500");
        fails["maxAttempts"] = 1;
        await h.CreateAsync(fails);
        await h.CreateAsync(h.Webhook("ours-ok", "\"delay\": \"1s\""));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await PostAsync(theirs, "/api/v1/schedules", h.Webhook($"theirs-{i}", "\"delay\": \"1s\""))).Status);
        }
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, await h.Executor.DrainAsync());
        await h.Executor.HeartbeatAsync();

        var ours = Assert.Single((await h.Client.GetFromJsonAsync<JsonArray>("/api/v1/executors"))!)!;
        Assert.Equal(("executor", 2, 1), ((string?)ours["id"], (int)ours["attempts"]!, (int)ours["failures"]!));
        var other = Assert.Single((await theirs.GetFromJsonAsync<JsonArray>("/api/v1/executors"))!)!;
        Assert.Equal((3, 0), ((int)other["attempts"]!, (int)other["failures"]!));

        // A tenant the executor never delivered for sees zeros, and the overview page shows the same numbers as the API.
        await using var dataSource = NpgsqlDataSource.Create(h.Api.ConnectionString);
        var idle = h.Api.CreateAnonymousClient();
        idle.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await new ApiKeyStore(dataSource, TimeProvider.System).CreateAsync("idle-team", "k", "read", CancellationToken.None)).Key);
        var none = Assert.Single((await idle.GetFromJsonAsync<JsonArray>("/api/v1/executors"))!)!;
        Assert.Equal((0, 0), ((int)none["attempts"]!, (int)none["failures"]!));
        Assert.Contains("<td>2</td><td>1</td>", await h.Client.GetStringAsync("/"), StringComparison.Ordinal);
        Assert.Contains("<td>3</td><td>0</td>", await theirs.GetStringAsync("/"), StringComparison.Ordinal);
    }
}
