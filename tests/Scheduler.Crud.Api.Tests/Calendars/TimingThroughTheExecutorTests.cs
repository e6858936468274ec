using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Scheduler.Common.Schedules;

namespace Scheduler.Crud.Api.Tests.Calendars;

/// <summary>
/// The timing language through the real API and a real executor on one fake clock, delivering to WaitEcho: calendar
/// edits, outages, catch-up after downtime, jitter, manual jobs.
/// </summary>
public class TimingThroughTheExecutorTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    [Fact]
    public async Task A_calendar_edit_moves_the_next_fire_time_of_the_schedules_on_it_at_once()
    {
        await using var h = await ApiHarness.StartAsync();
        var calendar = await PostAsync(h, "/api/v1/calendars", """{ "name": "office", "weekendDays": ["saturday", "sunday"] }""");
        var schedule = await h.CreateAsync(Webhook(h, "daily-9", """ "cron": "0 0 9 * * *", "timeZone": "Europe/London", "calendar": "office" """));
        var first = Instant(schedule["nextFireAt"]);
        var firstDay = LocalDate(first);
        Assert.True(firstDay.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));

        // A holiday on that very day, added now: the schedule moves to the next business day without being written.
        var updated = await PutAsync(h, $"/api/v1/calendars/{calendar["id"]}", $$"""
            { "name": "office", "weekendDays": ["saturday", "sunday"], "holidays": [ { "date": "{{firstDay:yyyy-MM-dd}}", "name": "Office closed" } ] }
            """);
        Assert.Equal(1, (int)updated["schedules"]!);
        var moved = Instant((await h.GetAsync($"/api/v1/schedules/{schedule["id"]}"))["nextFireAt"]);
        var movedDay = LocalDate(moved);
        Assert.True(movedDay > firstDay && movedDay.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday), $"{movedDay}");
        Assert.Equal(new TimeOnly(9, 0), TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(moved, London).DateTime));

        // Nothing fires on the holiday; the next business day fires once.
        h.Time.Advance(first - h.Time.GetUtcNow());
        Assert.Equal(0, await h.Executor.DrainAsync());
        h.Time.Advance(moved - h.Time.GetUtcNow());
        Assert.Equal(1, await h.Executor.DrainAsync());
        Assert.Equal(moved, Assert.Single(await h.Echo.ReceivedAsync((string)schedule["id"]!)).ScheduledFor);

        // And the preview names the holiday.
        var next = await h.GetAsync($"/api/v1/schedules/{schedule["id"]}/next?count=3&from={Uri.EscapeDataString(first.AddDays(-1).ToString("O"))}");
        Assert.DoesNotContain(next["fireTimes"]!.AsArray(), t => Instant(t) == first);

        // A calendar in use cannot be deleted; the refusal names the schedule.
        var delete = await h.Client.DeleteAsync($"/api/v1/calendars/{calendar["id"]}");
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Contains("'daily-9'", await delete.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_skip_outage_records_what_it_skipped_and_a_defer_outage_fires_once_at_its_end()
    {
        await using var h = await ApiHarness.StartAsync();
        var skipped = await h.CreateAsync(Webhook(h, "skipped-minutely", """ "cron": "0 * * * * *", "labels": { "team": "data" } """));
        var deferred = await h.CreateAsync(Webhook(h, "deferred-minutely", """ "cron": "0 * * * * *", "labels": { "team": "web" } """));
        var other = await h.CreateAsync(Webhook(h, "untouched-minutely", """ "cron": "0 * * * * *", "labels": { "team": "ops" } """));
        var start = Instant(skipped["nextFireAt"]);
        await PostAsync(h, "/api/v1/outages", $$"""
            { "name": "db-upgrade", "from": "{{start:O}}", "to": "{{start.AddMinutes(3):O}}", "policy": "skip", "labels": { "team": "data" } }
            """);
        await PostAsync(h, "/api/v1/outages", $$"""
            { "name": "release-freeze", "from": "{{start:O}}", "to": "{{start.AddMinutes(3).AddSeconds(30):O}}", "policy": "defer", "labels": { "team": "web" } }
            """);
        var inForce = await h.GetAsync("/api/v1/outages?state=planned");
        Assert.Equal(2, inForce["items"]!.AsArray().Count);

        // Minute by minute; the deferred fire is due at the freeze's end, half a minute after the fourth.
        foreach (var at in new[] { 0, 1, 2, 3, 3.5, 4 }.Select(m => start.AddMinutes(m)))
        {
            h.Time.Advance(at - h.Time.GetUtcNow());
            await h.Executor.DrainAsync();
        }

        Assert.Equal(5, (await h.Echo.ReceivedAsync((string)other["id"]!)).Count);
        Assert.Equal([start.AddMinutes(3), start.AddMinutes(4)], (await h.Echo.ReceivedAsync((string)skipped["id"]!)).Select(r => r.ScheduledFor!.Value).Order());
        var skippedHistory = (await h.GetAsync($"/api/v1/schedules/{skipped["id"]}/executions?status=skipped"))["items"]!.AsArray();
        Assert.Equal(3, skippedHistory.Count);
        Assert.All(skippedHistory, e => Assert.Equal("skipped by outage 'db-upgrade'", (string?)e!["note"]));

        // The freeze: the occurrences at :00, :01, :02 and :03 arrive as one delivery at its end, then :04 as usual.
        var freeze = (await h.Echo.ReceivedAsync((string)deferred["id"]!)).OrderBy(r => r.ReceivedAt).ToList();
        Assert.Equal([start, start.AddMinutes(4)], freeze.Select(r => r.ScheduledFor!.Value));
        Assert.Equal(start.AddMinutes(3).AddSeconds(30), freeze[0].ReceivedAt);
        var deferredExecution = (await h.GetAsync($"/api/v1/schedules/{deferred["id"]}/executions"))["items"]!.AsArray()
            .Single(e => (string?)e!["origin"] == "deferred")!;
        Assert.Equal((4, "succeeded"), ((int)deferredExecution["occurrences"]!, (string?)deferredExecution["status"]));
    }

    [Fact]
    public async Task Ending_a_defer_outage_early_fires_what_it_held_now_and_the_schedule_resumes()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(Webhook(h, "held", """ "cron": "0 * * * * *" """));
        var start = Instant(schedule["nextFireAt"]);
        var outage = await PostAsync(h, "/api/v1/outages", $$"""
            { "name": "long-freeze", "from": "{{start:O}}", "to": "{{start.AddHours(2):O}}", "policy": "defer" }
            """);
        h.Time.Advance(start - h.Time.GetUtcNow());
        await h.Executor.DrainAsync();
        Assert.Empty(await h.Echo.ReceivedAsync((string)schedule["id"]!));

        h.Time.Advance(TimeSpan.FromMinutes(5).Add(TimeSpan.FromSeconds(10)));
        var ended = await PostAsync(h, $"/api/v1/outages/{outage["id"]}/end", "", HttpStatusCode.OK);
        Assert.Equal("ended", (string?)ended["state"]);
        await h.Executor.DrainAsync();
        var received = Assert.Single(await h.Echo.ReceivedAsync((string)schedule["id"]!));
        Assert.Equal(start, received.ScheduledFor);
        Assert.Equal(start.AddMinutes(6), Instant((await h.GetAsync($"/api/v1/schedules/{schedule["id"]}"))["nextFireAt"]));

        var again = await h.Client.PostAsync($"/api/v1/outages/{outage["id"]}/end", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Each_catch_up_policy_after_a_downtime()
    {
        await using var h = await ApiHarness.StartAsync();
        var latest = await h.CreateAsync(Webhook(h, "catch-latest", """ "cron": "0 * * * * *" """));
        var none = await h.CreateAsync(Webhook(h, "catch-none", """ "cron": "0 * * * * *", "catchUp": "none" """));
        var all = await h.CreateAsync(Webhook(h, "catch-all", """ "cron": "0 * * * * *", "catchUp": "all", "catchUpWindow": "3m" """));
        var start = Instant(latest["nextFireAt"]);

        // No executor runs for ten minutes (and a bit).
        h.Time.Advance(start.AddMinutes(10).AddSeconds(20) - h.Time.GetUtcNow());
        await h.Executor.DrainAsync();

        var catchUp = Assert.Single(await h.Echo.ReceivedAsync((string)latest["id"]!));
        Assert.Equal(start, catchUp.ScheduledFor);
        var latestExecution = Assert.Single((await h.GetAsync($"/api/v1/schedules/{latest["id"]}/executions"))["items"]!.AsArray())!;
        Assert.Equal(("catchup", 11), ((string?)latestExecution["origin"], (int)latestExecution["occurrences"]!));

        Assert.Empty(await h.Echo.ReceivedAsync((string)none["id"]!));
        var noneRecord = Assert.Single((await h.GetAsync($"/api/v1/schedules/{none["id"]}/executions"))["items"]!.AsArray())!;
        Assert.Equal(("skipped", 11), ((string?)noneRecord["status"], (int)noneRecord["occurrences"]!));

        // 'all' with a 3-minute window: 12:07:20 onwards fire one by one (12:08, 12:09, 12:10), older ones are recorded.
        var fired = (await h.Echo.ReceivedAsync((string)all["id"]!)).Select(r => r.ScheduledFor!.Value).Order().ToList();
        Assert.Equal([start.AddMinutes(8), start.AddMinutes(9), start.AddMinutes(10)], fired);
        var allSkipped = Assert.Single((await h.GetAsync($"/api/v1/schedules/{all["id"]}/executions?status=skipped"))["items"]!.AsArray())!;
        Assert.Equal(8, (int)allSkipped["occurrences"]!);

        // All three resume on time.
        Assert.All(new[] { latest, none, all }, s => Assert.Equal(start.AddMinutes(11), Instant(h.GetAsync($"/api/v1/schedules/{s["id"]}").Result["nextFireAt"])));
    }

    [Fact]
    public async Task Jitter_delays_each_occurrence_within_bounds_and_any_executor_fires_it_at_the_same_instant()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(Webhook(h, "jittered", """ "cron": "0 * * * * *", "jitter": "30s" """));
        var id = Guid.Parse((string)schedule["id"]!);
        var first = Instant(schedule["nextFireAt"]);
        var next = await h.GetAsync($"/api/v1/schedules/{id}/next?count=3");
        var firesAt = next["firesAt"]!.AsArray().Select(Instant).ToList();
        Assert.Equal(Enumerable.Range(0, 3).Select(i => first.AddMinutes(i) + Jitter.For(id, first.AddMinutes(i), TimeSpan.FromSeconds(30))), firesAt);

        // The claim at the occurrence leaves it pending until its jittered instant; another executor delivers it then.
        h.Time.Advance(first - h.Time.GetUtcNow());
        await h.Executor.DrainAsync();
        Assert.Empty(await h.Echo.ReceivedAsync(id.ToString()));
        var pending = Assert.Single((await h.GetAsync($"/api/v1/schedules/{id}/executions"))["items"]!.AsArray())!;
        Assert.Equal(("pending", firesAt[0]), ((string?)pending["status"], Instant(pending["nextAttemptAt"])));

        await using var other = new Scheduler.Testing.TestExecutor(h.Api.ConnectionString, h.Time, "other-executor");
        h.Time.Advance(firesAt[0] - h.Time.GetUtcNow());
        Assert.Equal(1, await other.DrainAsync());
        var received = Assert.Single(await h.Echo.ReceivedAsync(id.ToString()));
        Assert.Equal((first, firesAt[0]), (received.ScheduledFor!.Value, received.ReceivedAt));
        Assert.InRange(received.ReceivedAt - first, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_manual_job_fires_only_when_triggered_and_a_schedule_can_be_created_paused()
    {
        await using var h = await ApiHarness.StartAsync();
        var manual = await h.CreateAsync(Webhook(h, "on-demand", """ "manual": true """));
        Assert.Equal(("manual", "active", null), ((string?)manual["kind"], (string?)manual["state"], manual["nextFireAt"]));
        h.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await h.Executor.DrainAsync());
        await h.PostAsync($"/api/v1/schedules/{manual["id"]}/trigger", HttpStatusCode.Accepted);
        Assert.Equal(1, await h.Executor.DrainAsync());

        var paused = await h.CreateAsync(Webhook(h, "born-paused", """ "cron": "* * * * * *", "state": "paused" """));
        Assert.Equal(("paused", null), ((string?)paused["state"], paused["nextFireAt"]));
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await h.Executor.DrainAsync());
    }

    [Fact]
    public async Task The_preview_looks_from_any_instant_and_says_what_the_calendar_moved()
    {
        await using var h = await ApiHarness.StartAsync();
        await PostAsync(h, "/api/v1/calendars", """
            { "name": "uk-business", "holidays": [ { "date": "2027-12-27", "name": "Christmas Day (substitute day)" } ],
              "publicHolidays": { "country": "GB", "fromYear": 2027, "toYear": 2028 } }
            """);
        var preview = await PostAsync(h, "/api/v1/preview", """
            { "cron": "0 0 17 L * *", "timeZone": "Europe/London", "calendar": "uk-business", "nonBusinessDay": "previous",
              "from": "2027-12-01T00:00:00Z", "count": 3 }
            """, HttpStatusCode.OK);
        // 31 Dec 2027 is a Friday; January 2028 ends on a Monday; February 2028 on Tuesday the 29th (a leap year).
        Assert.Equal(["2027-12-31T17:00:00+00:00", "2028-01-31T17:00:00+00:00", "2028-02-29T17:00:00+00:00"],
            preview["fireTimes"]!.AsArray().Select(t => Instant(t).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("business day before", (string?)preview["description"], StringComparison.Ordinal);
        // "The last business day" and "the last day, rolled back" list the same move (31 Jan 2027 is a Sunday; 28 Feb too, past the second fire time); the former once listed none.
        var rolled = await PostAsync(h, "/api/v1/preview", """
            { "cron": "0 0 17 L * *", "timeZone": "Europe/London", "calendar": "uk-business", "nonBusinessDay": "previous", "from": "2027-01-01T00:00:00Z", "count": 2 }
            """, HttpStatusCode.OK);
        var lastBusinessDay = await PostAsync(h, "/api/v1/preview", """
            { "cron": "0 0 17 * * *", "timeZone": "Europe/London", "calendar": "uk-business", "businessDaysOfMonth": [-1], "from": "2027-01-01T00:00:00Z", "count": 2 }
            """, HttpStatusCode.OK);
        Assert.Equal(new DateTimeOffset(2027, 1, 29, 17, 0, 0, TimeSpan.Zero), Instant(Assert.Single(rolled["adjustments"]!.AsArray())!["movedTo"]));
        var listed = Assert.Single(lastBusinessDay["adjustments"]!.AsArray())!;
        Assert.Equal(new DateTimeOffset(2027, 1, 29, 17, 0, 0, TimeSpan.Zero), Instant(listed["movedTo"]));
        Assert.Equal("the last business day of January 2027 in uk-business is 29 Jan, not 31 Jan: 31 Jan is a Sunday", (string?)listed["reason"]);

        var daily = await PostAsync(h, "/api/v1/preview", """
            { "cron": "0 0 9 * * *", "timeZone": "Europe/London", "calendar": "uk-business", "nonBusinessDay": "next",
              "from": "2027-12-24T10:00:00Z", "count": 2 }
            """, HttpStatusCode.OK);
        Assert.Contains(daily["adjustments"]!.AsArray(), a => ((string?)a!["reason"])!.StartsWith("25 Dec 2027 is", StringComparison.Ordinal));
    }

    private static JsonObject Webhook(ApiHarness h, string name, string fields) =>
        JsonNode.Parse($$"""{ "name": "{{name}}", {{fields}}, "target": { "type": "webhook", "url": "{{h.Echo.EchoUrl()}}" } }""")!.AsObject();

    private static async Task<JsonObject> PostAsync(ApiHarness h, string url, string json, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await h.Client.PostAsync(url, json.Length == 0 ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"POST {url}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static async Task<JsonObject> PutAsync(ApiHarness h, string url, string json)
    {
        var response = await h.Client.PutAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT {url}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static DateTimeOffset Instant(JsonNode? node) => DateTimeOffset.Parse((string)node!, System.Globalization.CultureInfo.InvariantCulture);

    private static DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, London).DateTime);
}
