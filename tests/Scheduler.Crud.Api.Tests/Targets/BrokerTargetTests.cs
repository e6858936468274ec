using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Scheduler.Storage.Statistics;

namespace Scheduler.Crud.Api.Tests.Targets;

/// <summary>RabbitMQ and NATS targets through the API: their fields, their secrets, and their connection checked against the running executors.</summary>
public class BrokerTargetTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static JsonObject Schedule(string name, string target) =>
        JsonNode.Parse($$"""{ "name": "{{name}}", "cron": "0 0 6 * * *", "target": {{target}} }""")!.AsObject();

    private async Task HeartbeatAsync(string id, string connections, DateTimeOffset lastSeen)
    {
        await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        await new StatisticsStore(dataSource).HeartbeatAsync(new ExecutorRecord
        {
            Id = id, Host = "h", Version = "1", StartedAt = lastSeen.AddHours(-1), LastSeenAt = lastSeen, ConnectionsJson = connections,
        }, CancellationToken.None);
    }

    [Fact]
    public async Task Broker_targets_round_trip_with_their_fields_and_keep_secret_headers_secret()
    {
        var rabbit = await _client.PostAsJsonAsync("/api/v1/schedules", Schedule("invoices", """
            { "type": "rabbitmq", "connection": "orders", "exchange": "billing", "routingKey": "invoices.{{ scheduleName }}",
              "headers": { "Authorization": "Bearer s3cr3t", "team": "billing" }, "body": { "run": "{{ logicalDate }}" } }
            """));
        Assert.Equal(HttpStatusCode.Created, rabbit.StatusCode);
        var created = (await rabbit.Content.ReadFromJsonAsync<JsonObject>())!;
        var target = created["target"]!;
        Assert.Equal(("rabbitmq", "orders", "billing", "invoices.{{ scheduleName }}", "PT3S"),
            ((string?)target["type"], (string?)target["connection"], (string?)target["exchange"], (string?)target["routingKey"], (string?)target["timeout"]));
        Assert.Equal(("***", "billing"), ((string?)target["headers"]!["Authorization"], (string?)target["headers"]!["team"]));
        Assert.DoesNotContain("s3cr3t", created.ToJsonString(), StringComparison.Ordinal);

        // PUT what GET shows: the secret is kept; the stored row has it encrypted.
        var id = (string)created["id"]!;
        var get = await _client.GetAsync($"/api/v1/schedules/{id}");
        var shown = (await get.Content.ReadFromJsonAsync<JsonObject>())!;
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/schedules/{id}")
        {
            Content = JsonContent.Create(Schedule("invoices", shown["target"]!.ToJsonString())),
        };
        put.Headers.TryAddWithoutValidation("If-Match", get.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(put)).StatusCode);
        await using (var connection = new NpgsqlConnection(factory.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select target->'headers'->>'Authorization' from schedules where id = @id", connection);
            command.Parameters.AddWithValue("id", Guid.Parse(id));
            Assert.StartsWith("enc:v2:", (string?)await command.ExecuteScalarAsync(), StringComparison.Ordinal);
        }

        var nats = await _client.PostAsJsonAsync("/api/v1/schedules", Schedule("warm", """{ "type": "nats", "connection": "events", "subject": "jobs.cache.warm" }"""));
        Assert.Equal(HttpStatusCode.Created, nats.StatusCode);
        Assert.Equal("jobs.cache.warm", (string?)(await nats.Content.ReadFromJsonAsync<JsonObject>())!["target"]!["subject"]);

        // Listed by type.
        var listed = await _client.GetFromJsonAsync<JsonObject>("/api/v1/schedules?targetType=nats");
        Assert.Equal(["warm"], listed!["items"]!.AsArray().Select(s => (string)s!["name"]!));
    }

    [Fact]
    public async Task A_connection_no_running_executor_has_is_refused_naming_the_field_and_what_they_have()
    {
        // No executor has reported yet: nothing can be known, so the write is accepted (the executor says it at delivery).
        var unknown = Schedule("before-any-executor", """{ "type": "rabbitmq", "connection": "payments", "exchange": "x" }""");
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/v1/schedules", unknown)).StatusCode);

        await HeartbeatAsync("running", """{"orders": "rabbitmq", "events": "nats"}""", DateTimeOffset.UtcNow);
        await HeartbeatAsync("long-gone", """{"payments": "rabbitmq"}""", DateTimeOffset.UtcNow.AddMinutes(-10));

        var refused = await _client.PostAsJsonAsync("/api/v1/schedules", Schedule("payments", """{ "type": "rabbitmq", "connection": "payments", "exchange": "x" }"""));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var message = (string)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["target.connection"]![0]!;
        Assert.Contains("no running executor has a broker connection named 'payments'", message, StringComparison.Ordinal);
        Assert.Contains("events (nats)", message, StringComparison.Ordinal);
        Assert.Contains("orders (rabbitmq)", message, StringComparison.Ordinal);

        var wrongType = await _client.PostAsJsonAsync("/api/v1/schedules", Schedule("mixed-up", """{ "type": "nats", "connection": "orders", "subject": "a.b" }"""));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Contains("'orders' is a rabbitmq connection on the executors, not nats",
            (string)(await wrongType.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["target.connection"]![0]!, StringComparison.Ordinal);

        // The same check for a workflow's steps and in a batch (per item).
        var workflow = await _client.PostAsJsonAsync("/api/v1/workflows", JsonNode.Parse("""
            { "name": "w", "steps": [ { "id": "a", "target": { "type": "nats", "connection": "events", "subject": "a.b" } },
                                      { "id": "b", "target": { "type": "nats", "connection": "nope", "subject": "a.b" } } ] }
            """));
        Assert.Equal(HttpStatusCode.BadRequest, workflow.StatusCode);
        var errors = (await workflow.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["steps[1].target.connection"], errors.Select(e => e.Key));
        var batch = await _client.PostAsJsonAsync("/api/v1/schedules/batch", new JsonObject
        {
            ["items"] = new JsonArray(Schedule("ok-1", """{ "type": "nats", "connection": "events", "subject": "a.b" }"""),
                Schedule("bad-1", """{ "type": "nats", "connection": "nope", "subject": "a.b" }""")),
        });
        var results = (await batch.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray();
        Assert.Equal([201, 400], results.Select(r => (int)r!["status"]!));

        // The executors' list shows what each has.
        var executors = await _client.GetFromJsonAsync<JsonArray>("/api/v1/executors");
        Assert.Equal("nats", (string?)executors!.Single(e => (string?)e!["id"] == "running")!["connections"]!["events"]);
    }
}
