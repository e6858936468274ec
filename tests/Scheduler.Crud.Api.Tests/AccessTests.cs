using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests;

/// <summary>API keys, scopes, tenant isolation, rate and size limits.</summary>
public class AccessTests
{
    private const string Target = """{ "type": "webhook", "url": "https://hooks.example.com/run" }""";

    private static JsonObject Schedule(string name) =>
        JsonNode.Parse($$"""{ "name": "{{name}}", "cron": "0 0 * * *", "target": {{Target}} }""")!.AsObject();

    /// <summary>Every operation, with ids of the given schedule and execution.</summary>
    private const string Ics = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART;VALUE=DATE:20301225\nSUMMARY:Christmas\nEND:VEVENT\nEND:VCALENDAR\n";

    private static string Outage(string name) =>
        $$"""{ "name": "{{name}}", "from": "2030-01-01T00:00:00Z", "to": "2030-01-01T01:00:00Z", "policy": "skip" }""";

    private static IEnumerable<(HttpMethod Method, string Url, string? Body)> Operations(string scheduleId, string executionId, string keyId,
        string calendarId, string outageId, string workflowId, string runId, string secretId, string backfillId) =>
    [
        (HttpMethod.Get, "/api/v1/schedules", null),
        (HttpMethod.Post, "/api/v1/schedules", Schedule("via-" + Guid.NewGuid().ToString("N")).ToJsonString()),
        (HttpMethod.Post, "/api/v1/schedules/batch", new JsonObject { ["items"] = new JsonArray(Schedule("batch-" + Guid.NewGuid().ToString("N"))) }.ToJsonString()),
        (HttpMethod.Get, $"/api/v1/schedules/{scheduleId}", null),
        (HttpMethod.Put, $"/api/v1/schedules/{scheduleId}", Schedule("renamed").ToJsonString()),
        (HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/pause", null),
        (HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/resume", null),
        (HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/trigger", null),
        (HttpMethod.Get, $"/api/v1/schedules/{scheduleId}/next", null),
        (HttpMethod.Get, $"/api/v1/schedules/{scheduleId}/executions", null),
        (HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/executions/redrive", null),
        (HttpMethod.Get, "/api/v1/executions", null),
        (HttpMethod.Get, $"/api/v1/executions/{executionId}", null),
        (HttpMethod.Post, $"/api/v1/executions/{executionId}/redrive", null),
        (HttpMethod.Post, $"/api/v1/executions/{executionId}/cancel", null),
        // Workers' reports take the trigger's report token, never an API key (ReportTests covers them).
        (HttpMethod.Post, $"/api/v1/executions/{executionId}/attempts/1/report", """{ "status": "succeeded" }"""),
        (HttpMethod.Post, "/api/v1/preview", """{ "cron": "0 9 * * *" }"""),
        (HttpMethod.Get, "/api/v1/stats", null),
        (HttpMethod.Get, "/api/v1/executors", null),
        (HttpMethod.Get, "/api/v1/api-keys", null),
        (HttpMethod.Post, "/api/v1/api-keys", """{ "name": "ci", "scope": "read" }"""),
        (HttpMethod.Delete, $"/api/v1/api-keys/{keyId}", null),
        (HttpMethod.Get, "/api/v1/calendars", null),
        (HttpMethod.Post, "/api/v1/calendars", $$"""{ "name": "via-{{Guid.NewGuid():N}}" }"""),
        (HttpMethod.Get, $"/api/v1/calendars/{calendarId}", null),
        (HttpMethod.Put, $"/api/v1/calendars/{calendarId}", """{ "name": "renamed-calendar" }"""),
        (HttpMethod.Post, $"/api/v1/calendars/{calendarId}/import", Ics),
        (HttpMethod.Get, "/api/v1/outages", null),
        (HttpMethod.Post, "/api/v1/outages", Outage("via-" + Guid.NewGuid().ToString("N"))),
        (HttpMethod.Get, $"/api/v1/outages/{outageId}", null),
        (HttpMethod.Put, $"/api/v1/outages/{outageId}", Outage("renamed-outage")),
        (HttpMethod.Post, $"/api/v1/outages/{outageId}/end", null),
        (HttpMethod.Post, $"/api/v1/outages/{outageId}/cancel", null),
        (HttpMethod.Get, "/api/v1/workflows", null),
        (HttpMethod.Post, "/api/v1/workflows", Workflow("via-" + Guid.NewGuid().ToString("N"))),
        (HttpMethod.Get, $"/api/v1/workflows/{workflowId}", null),
        (HttpMethod.Put, $"/api/v1/workflows/{workflowId}", Workflow("renamed-workflow")),
        (HttpMethod.Post, $"/api/v1/workflows/{workflowId}/runs", "{}"),
        (HttpMethod.Get, $"/api/v1/workflows/{workflowId}/runs", null),
        (HttpMethod.Get, "/api/v1/workflow-runs", null),
        (HttpMethod.Get, $"/api/v1/workflow-runs/{runId}", null),
        (HttpMethod.Post, $"/api/v1/workflow-runs/{runId}/resume", null),
        (HttpMethod.Post, $"/api/v1/workflow-runs/{runId}/rerun", """{ "step": "only" }"""),
        (HttpMethod.Post, $"/api/v1/workflow-runs/{runId}/cancel", null),
        (HttpMethod.Get, "/api/v1/audit", null),
        (HttpMethod.Get, "/api/v1/secrets", null),
        (HttpMethod.Post, "/api/v1/secrets", $$"""{ "name": "via_{{Guid.NewGuid():N}}", "value": "token" }"""),
        (HttpMethod.Get, $"/api/v1/secrets/{secretId}", null),
        (HttpMethod.Put, $"/api/v1/secrets/{secretId}", """{ "value": "rotated" }"""),
        (HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/backfills", Backfill),
        (HttpMethod.Post, $"/api/v1/workflows/{workflowId}/backfills", Backfill),
        (HttpMethod.Get, "/api/v1/backfills", null),
        (HttpMethod.Get, $"/api/v1/backfills/{backfillId}", null),
        (HttpMethod.Get, $"/api/v1/backfills/{backfillId}/runs", null),
        (HttpMethod.Post, $"/api/v1/backfills/{backfillId}/pause", null),
        (HttpMethod.Post, $"/api/v1/backfills/{backfillId}/resume", null),
        (HttpMethod.Post, $"/api/v1/backfills/{backfillId}/cancel", null),
        (HttpMethod.Delete, $"/api/v1/secrets/{secretId}", null),
        (HttpMethod.Delete, $"/api/v1/schedules/{scheduleId}", null),
        (HttpMethod.Delete, $"/api/v1/calendars/{calendarId}", null),
        (HttpMethod.Delete, $"/api/v1/workflows/{workflowId}", null),
    ];

    private const string Backfill = """{ "start": "2020-01-01", "end": "2020-01-02", "batch": "day" }""";

    private static string Workflow(string name) => $$"""{ "name": "{{name}}", "steps": [ { "id": "only", "target": {{Target}} } ] }""";

    // API keys have no say on reports: their scopes and tenants do not apply (a report token authorises one execution).
    private static bool IsReport((HttpMethod Method, string Url, string? Body) op) => op.Url.EndsWith("/report", StringComparison.Ordinal);

    private static HttpRequestMessage Request((HttpMethod Method, string Url, string? Body) op, string? key, bool header = false)
    {
        var request = new HttpRequestMessage(op.Method, op.Url);
        if (op.Body is not null)
        {
            request.Content = new StringContent(op.Body, System.Text.Encoding.UTF8, op.Url.EndsWith("/import", StringComparison.Ordinal) ? "text/calendar" : "application/json");
        }
        if (key is not null && header)
        {
            request.Headers.Add("X-Api-Key", key);
        }
        else if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return request;
    }

    private static async Task<(string CalendarId, string OutageId, string WorkflowId, string RunId, string SecretId, string BackfillId)> CalendarAndOutageAsync(
        HttpClient admin)
    {
        var secret = await (await admin.PostAsync("/api/v1/secrets", new StringContent("""{ "name": "guarded_secret", "value": "token" }""",
            System.Text.Encoding.UTF8, "application/json"))).Content.ReadFromJsonAsync<JsonObject>();
        var workflow = await (await admin.PostAsync("/api/v1/workflows", new StringContent(Workflow("guarded-workflow"), System.Text.Encoding.UTF8,
            "application/json"))).Content.ReadFromJsonAsync<JsonObject>();
        var run = await (await admin.PostAsync($"/api/v1/workflows/{workflow!["id"]}/runs", new StringContent("{}", System.Text.Encoding.UTF8,
            "application/json"))).Content.ReadFromJsonAsync<JsonObject>();
        var calendar = await (await admin.PostAsync("/api/v1/calendars", new StringContent("""{ "name": "guarded-calendar" }""",
            System.Text.Encoding.UTF8, "application/json"))).Content.ReadFromJsonAsync<JsonObject>();
        var outage = await (await admin.PostAsync("/api/v1/outages", new StringContent(Outage("guarded-outage"), System.Text.Encoding.UTF8,
            "application/json"))).Content.ReadFromJsonAsync<JsonObject>();
        var backfill = await (await admin.PostAsync($"/api/v1/workflows/{workflow["id"]}/backfills", new StringContent(Backfill, System.Text.Encoding.UTF8,
            "application/json"))).Content.ReadFromJsonAsync<JsonObject>();
        return ((string)calendar!["id"]!, (string)outage!["id"]!, (string)workflow["id"]!, (string)run!["id"]!, (string)secret!["id"]!, (string)backfill!["id"]!);
    }

    [Fact]
    public async Task The_access_table_covers_every_documented_operation()
    {
        var contract = new Contract.OpenApiContract(await File.ReadAllTextAsync(Path.Combine(Scheduler.Testing.PostgresServer.RepositoryRoot(), "docs", "openapi.json")));
        var ids = Enumerable.Range(0, 9).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var table = Operations(ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7], ids[8])
            .Select(o => $"{o.Method.Method} {ids.Aggregate(o.Url, (url, id) => url.Replace(id, "{id}", StringComparison.Ordinal)).Replace("/attempts/1/", "/attempts/{attempt}/", StringComparison.Ordinal)}")
            .ToHashSet();
        var missing = contract.Operations.Select(o => $"{o.Method} {o.Template}").Where(o => !table.Contains(o)).ToList();
        Assert.True(missing.Count == 0, "add these operations to AccessTests.Operations: " + string.Join(", ", missing));
    }

    private static async Task<string> CreateKeyAsync(HttpClient admin, string scope)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = $"{scope} key", scope });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["key"]!;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{what}: expected {(int)status}, got {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace((string?)JsonNode.Parse(body)!["detail"]), $"{what}: no detail in {body}");
    }

    [Fact]
    public async Task Without_a_valid_key_every_operation_is_401_and_changes_nothing()
    {
        await using var api = new ApiFactory();
        await ((Xunit.IAsyncLifetime)api).InitializeAsync();
        var admin = api.CreateClient();
        var schedule = await (await admin.PostAsJsonAsync("/api/v1/schedules", Schedule("guarded"))).Content.ReadFromJsonAsync<JsonObject>();
        var (calendarId, outageId, workflowId, runId, secretId, backfillId) = await CalendarAndOutageAsync(admin);
        var snapshot = await api.SnapshotAsync();
        var anonymous = api.CreateAnonymousClient();

        foreach (var op in Operations((string)schedule!["id"]!, Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), calendarId, outageId, workflowId, runId, secretId, backfillId))
        {
            foreach (var key in new[] { null, "", "smk_" + new string('x', 43), "not-a-key", TestSettings.AdminKey + "x" })
            {
                var response = await anonymous.SendAsync(Request(op, key, header: key == "not-a-key"));
                await AssertProblemAsync(response, HttpStatusCode.Unauthorized, $"{op.Method} {op.Url} with key '{key}'");
                Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
        }
        Assert.Equal(snapshot, await api.SnapshotAsync());
        // Health, metrics and the API description stay open.
        foreach (var open in new[] { "/healthz", "/readyz", "/openapi/v1.json" })
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(open)).StatusCode);
        }
    }

    [Fact]
    public async Task Scopes_are_levels_read_cannot_write_write_cannot_manage_keys()
    {
        await using var api = new ApiFactory();
        await ((Xunit.IAsyncLifetime)api).InitializeAsync();
        var admin = api.CreateClient();
        var schedule = await (await admin.PostAsJsonAsync("/api/v1/schedules", Schedule("scoped"))).Content.ReadFromJsonAsync<JsonObject>();
        var id = (string)schedule!["id"]!;
        var trigger = await (await admin.PostAsync($"/api/v1/schedules/{id}/trigger", null)).Content.ReadFromJsonAsync<JsonObject>();
        var read = await CreateKeyAsync(admin, "read");
        var write = await CreateKeyAsync(admin, "write");
        var client = api.CreateAnonymousClient();
        var (calendarId, outageId, workflowId, runId, secretId, backfillId) = await CalendarAndOutageAsync(admin);
        var snapshot = await api.SnapshotAsync();

        foreach (var op in Operations(id, (string)trigger!["id"]!, Guid.NewGuid().ToString(), calendarId, outageId, workflowId, runId, secretId, backfillId).Where(o => !IsReport(o)))
        {
            var isRead = op.Method == HttpMethod.Get || op.Url == "/api/v1/preview";
            var isKeys = op.Url.StartsWith("/api/v1/api-keys", StringComparison.Ordinal);
            var asRead = await client.SendAsync(Request(op, read, header: true));
            if (isRead && !isKeys)
            {
                Assert.True(asRead.IsSuccessStatusCode, $"read key on {op.Method} {op.Url}: {(int)asRead.StatusCode}");
            }
            else
            {
                await AssertProblemAsync(asRead, HttpStatusCode.Forbidden, $"read key on {op.Method} {op.Url}");
            }
            if (isKeys)
            {
                await AssertProblemAsync(await client.SendAsync(Request(op, write)), HttpStatusCode.Forbidden, $"write key on {op.Method} {op.Url}");
            }
        }
        Assert.Equal(snapshot, await api.SnapshotAsync());

        // A write key writes.
        var created = await client.SendAsync(Request((HttpMethod.Post, "/api/v1/schedules", Schedule("by-writer").ToJsonString()), write));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Keys_are_shown_once_stored_hashed_listed_without_secret_and_revocable()
    {
        await using var api = new ApiFactory();
        await ((Xunit.IAsyncLifetime)api).InitializeAsync();
        var admin = api.CreateClient();
        var response = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "deploy bot", scope = "write" });
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var key = (string)created["key"]!;
        Assert.StartsWith("smk_", key, StringComparison.Ordinal);

        var listed = await admin.GetStringAsync("/api/v1/api-keys");
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal);
        Assert.Contains("deploy bot", listed, StringComparison.Ordinal);
        await using (var connection = new Npgsql.NpgsqlConnection(api.ConnectionString))
        {
            await connection.OpenAsync();
            var stored = await Dapper.SqlMapper.QuerySingleAsync<string>(connection, "select row_to_json(k)::text from api_keys k");
            Assert.DoesNotContain(key, stored, StringComparison.Ordinal);
            Assert.DoesNotContain(key[12..], stored, StringComparison.Ordinal);
        }

        var client = api.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/schedules", Schedule("with-new-key"))).StatusCode);

        // Revoke a second key before it is ever used (so no cache hides it): it is refused at once.
        var other = await CreateKeyAsync(admin, "read");
        var otherId = (string)(await admin.GetFromJsonAsync<JsonArray>("/api/v1/api-keys"))!.Single(k => (string?)k!["scope"] == "read")!["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/api-keys/{otherId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/v1/api-keys/{otherId}")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", other);
        await AssertProblemAsync(await client.GetAsync("/api/v1/schedules"), HttpStatusCode.Unauthorized, "revoked key");

        var invalid = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "", scope = "root" });
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["name", "scope"], errors.Select(e => e.Key).Order());
    }

    [Fact]
    public async Task Another_tenant_sees_nothing_and_every_id_of_ours_is_404_to_it()
    {
        await using var h = await ApiHarness.StartAsync();
        var body = h.Webhook("ours", "\"delay\": \"1s\"", "fail=500");
        body["maxAttempts"] = 1;
        var schedule = await h.CreateAsync(body);
        var id = (string)schedule["id"]!;
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Executor.DrainAsync();
        var dead = Assert.Single((await h.GetAsync("/api/v1/executions?status=dead"))["items"]!.AsArray())!;
        var keyResponse = await h.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "ours", scope = "read" });
        var ourKeyId = (string)(await keyResponse.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        // Another tenant's first key comes from the command line's store, as an operator would make it.
        var store = new Scheduler.Storage.Access.ApiKeyStore(Npgsql.NpgsqlDataSource.Create(h.Api.ConnectionString), TimeProvider.System);
        var theirs = (await store.CreateAsync("other-team", "their admin", "admin", CancellationToken.None)).Key;
        var client = h.Api.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", theirs);
        var (calendarId, outageId, workflowId, runId, secretId, backfillId) = await CalendarAndOutageAsync(h.Client);
        var snapshot = await h.Api.SnapshotAsync();

        foreach (var op in Operations(id, (string)dead["id"]!, ourKeyId, calendarId, outageId, workflowId, runId, secretId, backfillId).Where(o => !IsReport(o))
                     .Where(o => new[] { id, (string)dead["id"]!, ourKeyId, calendarId, outageId, workflowId, runId }
                     .Any(ours => o.Url.Contains(ours, StringComparison.Ordinal))))
        {
            await AssertProblemAsync(await client.SendAsync(Request(op, theirs)), HttpStatusCode.NotFound, $"other tenant {op.Method} {op.Url}");
        }
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/v1/schedules"))!["items"]!.AsArray());
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/v1/executions"))!["items"]!.AsArray());
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/v1/workflows"))!["items"]!.AsArray());
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/v1/workflow-runs"))!["items"]!.AsArray());
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>($"/api/v1/executions?scheduleId={id}"))!["items"]!.AsArray());
        Assert.Equal(0, (long)(await client.GetFromJsonAsync<JsonObject>("/api/v1/stats"))!["totals"]!["attempts"]!);
        Assert.DoesNotContain("ours", await client.GetStringAsync("/api/v1/api-keys"), StringComparison.Ordinal);
        Assert.Equal(snapshot, await h.Api.SnapshotAsync());

        // Names are per tenant: theirs may be called "ours" too, and ours is untouched.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/schedules", Schedule("ours"))).StatusCode);
        Assert.Single((await h.GetAsync("/api/v1/schedules"))["items"]!.AsArray());
        Assert.Equal(1, (long)(await h.GetAsync("/api/v1/stats"))["totals"]!["attempts"]!);
    }

    [Fact]
    public async Task Disabled_auth_lets_requests_in_and_says_so_on_every_response()
    {
        await using var api = new ApiFactory { Settings = { ["Auth:Enabled"] = "false" } };
        await ((Xunit.IAsyncLifetime)api).InitializeAsync();
        var response = await api.CreateAnonymousClient().PostAsJsonAsync("/api/v1/schedules", Schedule("demo"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("disabled", response.Headers.GetValues("Scheduleman-Auth").Single());
    }

    [Fact]
    public async Task Each_key_has_its_own_rate_limit_and_excess_is_429_with_retry_after()
    {
        await using var api = new ApiFactory { Settings = { ["Limits:RequestsPerSecond"] = "1", ["Limits:Burst"] = "5" } };
        await ((Xunit.IAsyncLifetime)api).InitializeAsync();
        var admin = api.CreateClient();
        var other = await CreateKeyAsync(admin, "read");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            statuses.Add((await admin.GetAsync("/api/v1/schedules")).StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var limited = await admin.GetAsync("/api/v1/schedules");
        await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "over the limit");
        Assert.NotNull(limited.Headers.RetryAfter);

        var client = api.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", other);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/schedules")).StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_stores_nothing()
    {
        await using var api = new ApiFactory { Settings = { ["Limits:MaxRequestBodyBytes"] = "4096" } };
        await ((Xunit.IAsyncLifetime)api).InitializeAsync();
        // Kestrel enforces the limit (the in-memory test server has none), so this test runs on a real socket.
        api.UseKestrel(0);
        api.StartServer();
        var body = Schedule("big");
        body["description"] = new string('d', 1500);
        body["labels"] = new JsonObject(Enumerable.Range(0, 40).Select(i => KeyValuePair.Create<string, JsonNode?>($"label-{i}", new string('v', 100))));
        await AssertProblemAsync(await api.CreateClient().PostAsJsonAsync("/api/v1/schedules", body), HttpStatusCode.RequestEntityTooLarge, "big body");
        Assert.Equal("", await api.SnapshotAsync());
    }
}
