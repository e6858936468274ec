using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace Scheduler.Crud.Api.Tests.Secrets;

/// <summary>
/// Named secrets through the real API, a real executor and WaitEcho: a vendor token in one place, named by a header template,
/// resolved only at delivery, rotated without touching the schedule, encrypted at rest, never shown; deleting one in use is
/// refused naming the users. And templates in a Kafka message's key and value, rendered exactly as documented.
/// </summary>
public class SecretTests
{
    private static async Task<JsonObject> SecretAsync(ApiHarness h, string name, string value) =>
        await h.PostAsync("/api/v1/secrets", HttpStatusCode.Created, new JsonObject { ["name"] = name, ["value"] = value, ["description"] = "vendor" });

    [Fact]
    public async Task A_named_secret_reaches_only_the_header_that_names_it_and_rotating_it_touches_no_schedule()
    {
        await using var h = await ApiHarness.StartAsync();
        var secret = await SecretAsync(h, "vendor_token", "s3cr3t-one");
        Assert.Equal("***", (string)secret["value"]!);
        var secretId = (string)secret["id"]!;

        var schedule = await h.CreateAsync(JsonNode.Parse($$$"""
            { "name": "vendor-call", "manual": true,
              "target": { "type": "webhook", "url": "{{{h.Echo.EchoUrl()}}}",
                          "headers": { "Authorization": "Bearer {{ secrets.vendor_token }}", "X-Run": "{{ executionId }}" },
                          "body": { "run": "{{ executionId }}" } } }
            """)!.AsObject());
        var scheduleId = (string)schedule["id"]!;
        // Shown as a sensitive header is: ***. The template is not the secret, but no response names values either way.
        Assert.Equal("***", (string)schedule["target"]!["headers"]!["Authorization"]!);

        var first = await h.PostAsync($"/api/v1/schedules/{scheduleId}/trigger", HttpStatusCode.Accepted);
        await h.Executor.DrainAsync();
        var received = Assert.Single(await h.Echo.ReceivedAsync(scheduleId));
        Assert.Equal("Bearer s3cr3t-one", received.Headers["authorization"]);
        Assert.Equal((string)first["id"]!, received.Headers["x-run"]);
        Assert.DoesNotContain("s3cr3t", received.Body, StringComparison.Ordinal);

        // Rotate: the schedule is not touched, and deliveries after the executors' few seconds of caching use the new value.
        using (var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/secrets/{secretId}")
               { Content = JsonContent.Create(new { value = "lost-update" }), Headers = { { "If-Match", "\"7\"" } } })
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, (await h.Client.SendAsync(stale)).StatusCode);
        }
        var rotated = await h.Client.PutAsJsonAsync($"/api/v1/secrets/{secretId}", new { value = "s3cr3t-two" });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.NotNull((await rotated.Content.ReadFromJsonAsync<JsonObject>())!["rotatedAt"]);
        Assert.Equal(1, (int)(await h.GetAsync($"/api/v1/schedules/{scheduleId}"))["version"]!);
        h.Time.Advance(TimeSpan.FromSeconds(6));
        await h.PostAsync($"/api/v1/schedules/{scheduleId}/trigger", HttpStatusCode.Accepted);
        await h.Executor.DrainAsync();
        Assert.Contains(await h.Echo.ReceivedAsync(scheduleId), r => r.Headers["authorization"] == "Bearer s3cr3t-two");

        // At rest: ciphertext only. In answers: never the value.
        await using (var connection = new NpgsqlConnection(h.Api.ConnectionString))
        {
            var stored = await connection.QuerySingleAsync<string>("select value from secrets where name = 'vendor_token'");
            Assert.StartsWith("enc:v2:", stored, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t", stored, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t", string.Join("\n", await connection.QueryAsync<string>("select target::text from schedules")), StringComparison.Ordinal);
        }
        Assert.DoesNotContain("s3cr3t", await h.Client.GetStringAsync("/api/v1/secrets"), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", await h.Client.GetStringAsync($"/api/v1/secrets/{secretId}"), StringComparison.Ordinal);

        // In use: deleting is refused naming the schedule; once nothing uses it, it goes.
        var refused = await h.Client.DeleteAsync($"/api/v1/secrets/{secretId}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("schedule vendor-call", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await h.Client.DeleteAsync($"/api/v1/schedules/{scheduleId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await h.Client.DeleteAsync($"/api/v1/secrets/{secretId}")).StatusCode);
    }

    [Fact]
    public async Task A_target_naming_a_secret_that_does_not_exist_is_refused_and_so_is_one_in_a_body()
    {
        await using var h = await ApiHarness.StartAsync();
        var snapshot = await h.Api.SnapshotAsync();
        foreach (var (target, field, message) in new[]
                 {
                     ("""{ "headers": { "Authorization": "Bearer {{ secrets.nope }}" } }""", "target.headers", "secret 'nope', which does not exist"),
                     ("""{ "body": { "token": "{{ secrets.nope }}" } }""", "target.body.token", "never into bodies"),
                 })
        {
            var body = JsonNode.Parse($$"""{ "name": "bad", "manual": true, "target": { "type": "webhook", "url": "{{h.Echo.EchoUrl()}}" } }""")!.AsObject();
            foreach (var (key, value) in JsonNode.Parse(target)!.AsObject().ToList())
            {
                body["target"]![key] = value!.DeepClone();
            }
            var response = await h.Client.PostAsJsonAsync("/api/v1/schedules", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Contains(message, (string)problem["errors"]![field]![0]!, StringComparison.Ordinal);
        }
        Assert.Equal(snapshot, await h.Api.SnapshotAsync());
    }

    [Fact]
    public async Task Templates_in_a_kafka_key_and_value_render_the_run_as_documented()
    {
        using var kafka = Scheduler.WaitEcho.Kafka.MockKafkaCluster.Start();
        await using var h = await ApiHarness.StartAsync(kafka: kafka.BootstrapServers);
        var schedule = await h.CreateAsync(JsonNode.Parse("""
            { "name": "kafka-templated", "cron": "0 0 6 * * *", "timeZone": "UTC",
              "parameters": { "region": { "type": "string", "default": "eu" } },
              "target": { "type": "kafka", "topic": "triggers", "key": "{{ params.region }}",
                          "value": { "from": "{{ interval.start }}", "to": "{{ interval.end }}", "region": "{{ params.region }}", "n": 1 } } }
            """)!.AsObject());
        var id = (string)schedule["id"]!;
        await h.PostAsync($"/api/v1/schedules/{id}/trigger", HttpStatusCode.Accepted,
            new JsonObject { ["logicalDate"] = "2026-11-24T06:00:00Z", ["parameters"] = new JsonObject { ["region"] = "us" } });
        await h.Executor.DrainAsync();
        Scheduler.WaitEcho.Echo.ReceivedTrigger? message = null;
        await Scheduler.Testing.WaitFor.ConditionAsync(async () => (message = (await h.Echo.ReceivedAsync(id)).SingleOrDefault()) is not null,
            TimeSpan.FromSeconds(30), "the Kafka message");
        Assert.Equal(("kafka", "us"), (message!.Transport, message.Key));
        // The value's JSON as written, its strings rendered (keys in the order PostgreSQL's jsonb keeps them).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"from":"2026-11-23T06:00:00Z","to":"2026-11-24T06:00:00Z","region":"us","n":1}"""),
            JsonNode.Parse(message.Body)), message.Body);
    }
}
