using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace Scheduler.Crud.Api.Tests.Audit;

/// <summary>
/// The audit trail through the real API: who changed what, when, from where and at which source revision, the object
/// before and after with secrets as ***; written with the change (a refused request leaves none, the executors none) and
/// never changed afterwards.
/// </summary>
public class AuditTests
{
    private static HttpRequestMessage FromCli(HttpMethod method, string url, object? body = null) => new(method, url)
    {
        Content = body is null ? null : JsonContent.Create(body),
        Headers = { { "Scheduleman-Source", "cli" }, { "Scheduleman-Revision", "4f2a9c1" }, { "Scheduleman-Revision-Dirty", "true" } },
    };

    [Fact]
    public async Task Each_change_is_recorded_with_its_actor_source_revision_and_the_object_before_and_after_with_secrets_hidden()
    {
        await using var h = await ApiHarness.StartAsync();
        var body = h.Webhook("audited", "\"cron\": \"*/2 * * * * *\"");
        body["target"]!["headers"] = new JsonObject { ["Authorization"] = "Bearer 4udit-s3cret" };
        var created = await h.Client.SendAsync(FromCli(HttpMethod.Post, "/api/v1/schedules", body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        body["description"] = "now described";
        Assert.Equal(HttpStatusCode.OK, (await h.Client.PutAsJsonAsync($"/api/v1/schedules/{id}", body)).StatusCode);
        await h.PostAsync($"/api/v1/schedules/{id}/pause");
        // A refused change and the executors' own work (claims move schedules on) leave no row.
        Assert.Equal(HttpStatusCode.BadRequest, (await h.Client.PutAsJsonAsync($"/api/v1/schedules/{id}", new JsonObject { ["name"] = "" })).StatusCode);
        await h.PostAsync($"/api/v1/schedules/{id}/resume");
        h.AdvanceTo((await h.GetAsync($"/api/v1/schedules/{id}"))["nextFireAt"]);
        Assert.Equal(1, await h.Executor.DrainAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await h.Client.DeleteAsync($"/api/v1/schedules/{id}")).StatusCode);

        var page = await h.GetAsync($"/api/v1/audit?objectId={id}");
        var events = page["items"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Equal(["delete", "resume", "pause", "replace", "create"], events.Select(e => (string)e["action"]!));
        Assert.All(events, e => Assert.Equal(("schedule", "audited", "bootstrap"), ((string)e["objectType"]!, (string)e["objectName"]!, (string)e["actor"]!["keyId"]!)));
        var create = events[^1];
        Assert.Equal(("cli", "4f2a9c1", true), ((string)create["source"]!, (string)create["revision"]!, (bool)create["revisionDirty"]!));
        Assert.Null(create["before"]);
        Assert.Equal("***", (string)create["after"]!["target"]!["headers"]!["Authorization"]!);
        var replace = events[^2];
        Assert.Equal(("api", null), ((string)replace["source"]!, (string?)replace["revision"]));
        Assert.Null((string?)replace["before"]!["description"]);
        Assert.Equal("now described", (string)replace["after"]!["description"]!);
        Assert.Equal(("active", "paused"), ((string)events[^3]["before"]!["state"]!, (string)events[^3]["after"]!["state"]!));
        Assert.Null(events[0]["after"]);
        Assert.DoesNotContain("4udit-s3cret", page.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("enc:v", page.ToJsonString(), StringComparison.Ordinal);

        // Filters and pages.
        Assert.Equal(5, (await h.GetAsync("/api/v1/audit?objectType=schedule&limit=500"))["items"]!.AsArray().Count);
        Assert.Single((await h.GetAsync("/api/v1/audit?source=cli"))["items"]!.AsArray());
        var first = await h.GetAsync($"/api/v1/audit?objectId={id}&limit=2");
        var second = await h.GetAsync($"/api/v1/audit?objectId={id}&limit=2&cursor={first["nextCursor"]}");
        Assert.Equal(["pause", "replace"], second["items"]!.AsArray().Select(e => (string)e!["action"]!));

        // Append-only, in the database itself.
        await using var connection = new NpgsqlConnection(h.Api.ConnectionString);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("update audit_events set action = 'nothing'"));
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("delete from audit_events"));
    }

    [Fact]
    public async Task Secrets_calendars_outages_workflows_backfills_and_keys_are_audited_and_no_secret_value_is_kept()
    {
        await using var h = await ApiHarness.StartAsync();
        var secret = await h.PostAsync("/api/v1/secrets", HttpStatusCode.Created, new JsonObject { ["name"] = "token", ["value"] = "first-v4lue" });
        Assert.Equal(HttpStatusCode.OK, (await h.Client.PutAsJsonAsync($"/api/v1/secrets/{secret["id"]}", new { value = "second-v4lue" })).StatusCode);
        await h.PostAsync("/api/v1/calendars", HttpStatusCode.Created, new JsonObject { ["name"] = "days" });
        await h.PostAsync("/api/v1/outages", HttpStatusCode.Created, JsonNode.Parse("""
            { "name": "upgrade", "from": "2030-01-01T00:00:00Z", "to": "2030-01-01T01:00:00Z", "policy": "skip" }
            """));
        var workflow = await h.PostAsync("/api/v1/workflows", HttpStatusCode.Created, JsonNode.Parse($$"""
            { "name": "wf", "steps": [ { "id": "a", "target": { "type": "webhook", "url": "{{h.Echo.EchoUrl()}}" } } ] }
            """));
        await h.PostAsync($"/api/v1/workflows/{workflow["id"]}/backfills", HttpStatusCode.Created, new JsonObject { ["start"] = "2026-01-01", ["end"] = "2026-01-02" });
        var key = (string)(await h.PostAsync("/api/v1/api-keys", HttpStatusCode.Created, new JsonObject { ["name"] = "ci", ["scope"] = "read" }))["key"]!;

        var trail = await h.GetAsync("/api/v1/audit");
        Assert.Equal(["api-key create", "backfill create", "workflow create", "outage create", "calendar create", "secret rotate", "secret create"],
            trail["items"]!.AsArray().Select(e => $"{e!["objectType"]} {e["action"]}"));
        var text = trail.ToJsonString();
        Assert.DoesNotContain("v4lue", text, StringComparison.Ordinal);
        // A key is recorded by its id, name and shown prefix, never as the key.
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Triggers_redrives_cancels_and_run_actions_are_audited_but_runs_a_schedule_starts_are_not()
    {
        await using var h = await ApiHarness.StartAsync();
        var broken = h.Webhook("broken", "\"manual\": true", "fail=500");
        broken["maxAttempts"] = 1;
        var schedule = await h.CreateAsync(broken);
        var id = (string)schedule["id"]!;
        var execution = await h.PostAsync($"/api/v1/schedules/{id}/trigger", HttpStatusCode.Accepted, new JsonObject { ["logicalDate"] = "2026-01-01T00:00:00Z" });
        await h.Executor.DrainAsync();
        await h.PostAsync($"/api/v1/executions/{execution["id"]}/redrive");
        var workflow = await h.PostAsync("/api/v1/workflows", HttpStatusCode.Created, JsonNode.Parse($$"""
            { "name": "wf", "steps": [ { "id": "a", "target": { "type": "webhook", "url": "{{h.Echo.WorkUrl("for=1h")}}" }, "completion": { "runTimeout": "PT2H" } } ] }
            """));
        var run = await h.PostAsync($"/api/v1/workflows/{workflow["id"]}/runs", HttpStatusCode.Created, new JsonObject());
        await h.PostAsync($"/api/v1/workflow-runs/{run["id"]}/cancel");
        await h.CreateAsync(JsonNode.Parse("""{ "name": "starts-wf", "delay": "1s", "target": { "type": "workflow", "workflow": "wf" } }""")!.AsObject());
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Executor.DrainAsync();
        Assert.Equal(2, (await h.GetAsync($"/api/v1/workflow-runs?workflowId={workflow["id"]}"))["items"]!.AsArray().Count);

        var trail = (await h.GetAsync("/api/v1/audit"))["items"]!.AsArray().Select(e => $"{e!["objectType"]} {e["action"]}").ToList();
        Assert.Equal(["schedule create", "workflow-run cancel", "workflow-run start", "workflow create", "execution redrive", "execution trigger", "schedule create"],
            trail);
        var trigger = (await h.GetAsync($"/api/v1/audit?objectId={execution["id"]}"))["items"]!.AsArray()[^1]!;
        Assert.Equal("2026-01-01T00:00:00+00:00", (string)trigger["after"]!["logicalDate"]!);
    }
}
