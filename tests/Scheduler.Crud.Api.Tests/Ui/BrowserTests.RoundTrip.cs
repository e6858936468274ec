using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Scheduler.Crud.Api.Tests.Ui;

/// <summary>
/// Every edit form round-trips: an object with every field set (made through the API), opened in the form and saved
/// unchanged in the browser, is what it was — the API's JSON before and after equal but for its version and update time.
/// </summary>
public sealed partial class BrowserTests
{
    private static async Task<JsonObject> CreatedAsync(HttpClient client, string url, string json)
    {
        var response = await client.PostAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>The API's view of <paramref name="url"/> without what a save changes by itself.</summary>
    private static async Task<JsonObject> StoredAsync(ApiHarness h, string url)
    {
        var stored = await h.GetAsync(url);
        stored.Remove("version");
        stored.Remove("updatedAt");
        return stored;
    }

    private static void AssertUnchanged(JsonObject before, JsonObject after, string what) =>
        Assert.True(JsonNode.DeepEquals(before, after), $"{what} changed on an unchanged save:\nbefore {before.ToJsonString()}\nafter  {after.ToJsonString()}");

    /// <summary>Opens <paramref name="pageUrl"/>, saves its form unchanged with <paramref name="button"/>, and finds <paramref name="apiUrl"/> as it was.</summary>
    private static async Task AssertSavedUnchangedAsync(ApiHarness h, IPage page, string apiUrl, string pageUrl, string button)
    {
        var before = await StoredAsync(h, apiUrl);
        await page.GotoAsync(pageUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Saved");
        AssertUnchanged(before, await StoredAsync(h, apiUrl), $"{before["name"]} ({apiUrl})");
    }

    [Fact]
    public async Task A_schedule_saved_unchanged_in_its_form_keeps_every_field_including_those_the_form_does_not_show()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        await CreatedAsync(h.Client, "/api/v1/calendars", """{ "name": "office", "weekendDays": ["saturday", "sunday"], "holidays": [ { "date": "2031-12-25", "name": "Christmas" } ] }""");
        await CreatedAsync(h.Client, "/api/v1/workflows", """{ "name": "etl", "steps": [ { "id": "a", "target": { "type": "kafka", "topic": "t" } } ] }""");
        var now = h.Time.GetUtcNow();
        var parameters = """
            "parameters": { "region": { "type": "string", "default": "eu", "description": "where" }, "full": { "type": "boolean", "default": false } }
            """;
        var schedules = new[]
        {
            // Cron with every timing field, result tracking, parameters, a paused state and a webhook with secrets.
            $$$"""
            { "name": "every-field", "description": "All of it", "labels": { "team": "data", "tier": "1" },
              "cron": "0 30 6 * * MON-FRI", "timeZone": "Europe/Berlin", "calendar": "office", "nonBusinessDay": "next",
              "startAt": "{{{now.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}}}", "endAt": "{{{now.AddDays(900):yyyy-MM-ddTHH:mm:ssZ}}}",
              "jitter": "PT30S", "catchUp": "all", "catchUpWindow": "PT6H", "maxAttempts": 7, "state": "paused", {{{parameters}}},
              "completion": { "runTimeout": "PT2H", "heartbeatTimeout": "PT5M", "overlap": "skip" },
              "target": { "type": "webhook", "url": "{{{h.Echo.EchoUrl()}}}", "method": "PUT", "timeout": "PT10S",
                          "headers": { "Authorization": "Bearer s3cr3t", "X-Team": "data" }, "body": { "region": "{{ params.region }}" },
                          "signingSecret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } }
            """,
            // Nth business day of the month; Kafka with key, value and headers.
            $$$"""
            { "name": "month-end", "cron": "0 0 7 * * *", "calendar": "office", "businessDaysOfMonth": [3, -1], "catchUp": "none", {{{parameters}}},
              "target": { "type": "kafka", "topic": "reports", "key": "{{ scheduleName }}", "value": { "n": 1 }, "headers": { "team": "data" } } }
            """,
            // A one-shot far ahead with jitter; RabbitMQ.
            $$$"""
            { "name": "one-shot", "runAt": "{{{now.AddDays(30):yyyy-MM-ddTHH:mm:ssZ}}}", "jitter": "PT1M", "labels": { "kind": "once" },
              "target": { "type": "rabbitmq", "connection": "orders", "exchange": "billing", "routingKey": "r", "body": { "b": true } } }
            """,
            // Manual; NATS; and one starting a workflow.
            """{ "name": "by-hand", "manual": true, "target": { "type": "nats", "connection": "events", "subject": "jobs.a", "timeout": "PT5S" } }""",
            """{ "name": "starts-etl", "cron": "0 0 1 * * *", "timeZone": "UTC", "target": { "type": "workflow", "workflow": "etl" } }""",
        };
        var page = await SignInAsync(h);
        foreach (var json in schedules)
        {
            var id = (string)(await CreatedAsync(h.Client, "/api/v1/schedules", json))["id"]!;
            await AssertSavedUnchangedAsync(h, page, $"/api/v1/schedules/{id}", $"/schedules/{id}/edit", "Save changes");
        }
    }

    [Fact]
    public async Task A_workflow_saved_unchanged_on_its_page_keeps_every_field_including_its_declared_parameters()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var created = await CreatedAsync(h.Client, "/api/v1/workflows", $$$"""
            { "name": "every-field", "description": "All of it", "labels": { "team": "data" }, "maxActiveRuns": 2,
              "parameters": { "region": { "type": "string", "default": "eu", "description": "where" }, "day": { "type": "date", "required": true } },
              "steps": [
                { "id": "extract", "maxAttempts": 4, "completion": { "runTimeout": "PT1H", "heartbeatTimeout": "PT1M" },
                  "target": { "type": "webhook", "url": "{{{h.Echo.EchoUrl()}}}", "headers": { "Authorization": "Bearer s3cr3t" } } },
                { "id": "load", "dependsOn": ["extract"], "triggerRule": "allDone", "rerunWithDownstream": true,
                  "target": { "type": "kafka", "topic": "loads", "key": "k", "value": { "day": "{{ params.day }}" } } }
              ] }
            """);
        var id = (string)created["id"]!;
        await AssertSavedUnchangedAsync(h, await SignInAsync(h), $"/api/v1/workflows/{id}", $"/workflows/{id}", "Save as a new version");
    }

    [Fact]
    public async Task A_calendar_saved_unchanged_on_its_page_keeps_every_field()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var created = await CreatedAsync(h.Client, "/api/v1/calendars", """
            { "name": "office", "description": "Head office", "weekendDays": ["friday", "saturday"],
              "holidays": [ { "date": "2031-12-25", "name": "Christmas Day" }, { "date": "2032-01-01", "name": "New Year's Day" } ] }
            """);
        var id = (string)created["id"]!;
        await AssertSavedUnchangedAsync(h, await SignInAsync(h), $"/api/v1/calendars/{id}", $"/calendars/{id}", "Save changes");
    }

    [Fact]
    public async Task A_named_secret_rotated_in_its_form_keeps_its_name_and_description()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var created = await CreatedAsync(h.Client, "/api/v1/secrets", """{ "name": "vendor_token", "description": "The vendor's API token", "value": "first" }""");
        var before = await StoredAsync(h, $"/api/v1/secrets/{created["id"]}");
        var page = await SignInAsync(h);
        await page.GotoAsync("/secrets");
        var row = page.GetByRole(AriaRole.Row, new() { Name = "vendor_token" });
        await row.Locator("input[name=Value]").FillAsync("second");
        await row.GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Rotated vendor_token");
        var after = await StoredAsync(h, $"/api/v1/secrets/{created["id"]}");
        Assert.NotNull(after["rotatedAt"]);
        (before["rotatedAt"], after["rotatedAt"]) = (null, null);
        AssertUnchanged(before, after, "the secret");

        // The form carries the version it showed: a rotation made meanwhile is not silently replaced.
        var rotated = await h.Client.PutAsJsonAsync($"/api/v1/secrets/{created["id"]}", new { value = "third", description = "The vendor's API token" });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        await row.Locator("input[name=Value]").FillAsync("stale");
        await row.GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Not rotated: vendor_token was rotated since this page was opened");
        Assert.Equal(3, (int)(await h.GetAsync($"/api/v1/secrets/{created["id"]}"))["version"]!);
    }
}
