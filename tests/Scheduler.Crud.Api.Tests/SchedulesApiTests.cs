using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests;

public class SchedulesApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static JsonObject Example(string name) => JsonNode.Parse($$"""
        { "name": "{{name}}",
          "cron": "0 0 17 * * MON-FRI", "timeZone": "Europe/London",
          "target": { "type": "webhook", "url": "http://localhost:5003/echo", "method": "POST",
                      "headers": { "X-Team": "data", "Authorization": "Bearer secret-value" }, "body": { "report": "daily" }, "timeout": "PT3S" },
          "maxAttempts": 5 }
        """)!.AsObject();

    private async Task<JsonObject> CreateAsync(JsonObject body)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/schedules", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task Create_returns_the_schedule_with_id_state_and_next_fire_time()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/schedules", Example("nightly-report"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal($"/api/v1/schedules/{created["id"]}", response.Headers.Location!.ToString());
        Assert.Equal("active", (string?)created["state"]);
        Assert.Equal("cron", (string?)created["kind"]);
        var next = DateTimeOffset.Parse((string)created["nextFireAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(next > DateTimeOffset.UtcNow);
        Assert.InRange(next.UtcDateTime.Hour, 16, 17); // 17:00 London
        Assert.Equal("PT3S", (string?)created["target"]!["timeout"]);
        Assert.Equal("daily", (string?)created["target"]!["body"]!["report"]);

        var fetched = await _client.GetFromJsonAsync<JsonObject>($"/api/v1/schedules/{created["id"]}");
        Assert.Equal(created.ToJsonString(), fetched!.ToJsonString());
    }

    [Fact]
    public async Task Secret_headers_are_never_echoed_back()
    {
        var created = await CreateAsync(Example("secretive"));
        Assert.Equal("***", (string?)created["target"]!["headers"]!["Authorization"]);
        Assert.Equal("data", (string?)created["target"]!["headers"]!["X-Team"]);
        var raw = await _client.GetStringAsync($"/api/v1/schedules/{created["id"]}");
        Assert.DoesNotContain("secret-value", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAt_and_delay_schedules_are_one_shots_at_the_right_instant()
    {
        var at = DateTimeOffset.UtcNow.AddHours(1);
        var runAt = Example("one-shot-at");
        runAt.Remove("cron");
        runAt.Remove("timeZone");
        runAt["runAt"] = at.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture);
        var created = await CreateAsync(runAt);
        Assert.Equal(("runAt", at.ToUnixTimeMilliseconds()), ((string?)created["kind"], DateTimeOffset.Parse((string)created["nextFireAt"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()));

        var delay = Example("one-shot-delay");
        delay.Remove("cron");
        delay.Remove("timeZone");
        delay["delay"] = "1h30m";
        var before = DateTimeOffset.UtcNow;
        created = await CreateAsync(delay);
        var next = DateTimeOffset.Parse((string)created["nextFireAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(next, before.AddMinutes(90), DateTimeOffset.UtcNow.AddMinutes(90));
        Assert.Equal("PT1H30M", (string?)created["delay"]);
    }

    [Fact]
    public async Task List_pages_through_every_schedule_exactly_once()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((string)(await CreateAsync(Example($"page-{i}")))["id"]!);
        }
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/schedules?limit=3{(cursor is null ? "" : $"&cursor={cursor}")}"))!;
            seen.AddRange(page["items"]!.AsArray().Select(s => (string)s!["id"]!));
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);
        // Order is by id: creation order to the millisecond (ListingTests checks it on a fake clock).
        Assert.Equal(ids.Order(), seen.Where(ids.Contains).Order());
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Delete_hides_the_schedule_and_frees_its_name()
    {
        var created = await CreateAsync(Example("short-lived"));
        var url = $"/api/v1/schedules/{created["id"]}";
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync(url)).StatusCode);
        await CreateAsync(Example("short-lived"));
    }

    [Fact]
    public async Task Duplicate_name_is_a_conflict_that_names_the_field()
    {
        await CreateAsync(Example("unique-name"));
        var response = await _client.PostAsJsonAsync("/api/v1/schedules", Example("unique-name"));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("name:", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_id_is_404() =>
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/v1/schedules/{Guid.NewGuid()}")).StatusCode);

    [Fact]
    public async Task A_kafka_target_is_created_and_shown_back()
    {
        var created = await CreateAsync(JsonNode.Parse("""
            { "name": "to-kafka", "cron": "*/5 * * * * *",
              "target": { "type": "kafka", "topic": "triggers", "key": "tenant-7", "headers": { "team": "data", "X-Api-Key": "s3cret" },
                          "value": { "kind": "tick" } } }
            """)!.AsObject());
        var target = created["target"]!;
        Assert.Equal(("kafka", "triggers", "tenant-7", "tick"), ((string?)target["type"], (string?)target["topic"], (string?)target["key"], (string?)target["value"]!["kind"]));
        Assert.Equal(("data", "***"), ((string?)target["headers"]!["team"], (string?)target["headers"]!["X-Api-Key"]));
        Assert.Single((await _client.GetFromJsonAsync<JsonObject>("/api/v1/schedules?targetType=kafka"))!["items"]!.AsArray());
    }
}
