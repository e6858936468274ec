using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests.Calendars;

/// <summary>
/// Issue 31: a calendar edit that leaves a schedule on it no business day would complete it for good (putting the calendar
/// back did not revive it, and resume answered 200 while it stayed completed). Such an edit is refused naming the schedules,
/// and a pause or resume that would change nothing is a 409 saying why.
/// </summary>
public class CalendarEditTests
{
    // Every weekday but Monday is weekend, and every Monday for three years a holiday: no business day within the two years
    // a schedule's next occurrence is looked for in.
    private static string NoBusinessDay(DateOnly from) => Sparse(
        Enumerable.Range(0, 3 * 366).Select(from.AddDays).Where(d => d.DayOfWeek == DayOfWeek.Monday)
            .Select(d => $$"""{ "date": "{{d:yyyy-MM-dd}}", "name": "Closed" }"""));

    private static string Sparse(IEnumerable<string> holidays) =>
        $$"""{ "name": "sparse", "weekendDays": ["tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], "holidays": [{{string.Join(",", holidays)}}] }""";

    [Fact]
    public async Task A_calendar_edit_or_import_that_would_leave_a_schedule_no_occurrence_is_a_409_naming_it_and_changes_nothing()
    {
        await using var h = await ApiHarness.StartAsync();
        var calendar = await Send(h, HttpMethod.Post, "/api/v1/calendars", """{ "name": "sparse", "weekendDays": [] }""", HttpStatusCode.Created);
        var url = $"/api/v1/calendars/{calendar["id"]}";
        var schedule = await h.CreateAsync(h.Webhook("daily-9", """ "cron": "0 0 9 * * *", "calendar": "sparse" """));
        await h.CreateAsync(h.Webhook("weekly-report", """ "cron": "0 0 9 * * MON", "calendar": "sparse" """));
        var today = DateOnly.FromDateTime(h.Time.GetUtcNow().UtcDateTime);

        var before = await h.Api.SnapshotAsync();
        var refused = await Send(h, HttpMethod.Put, url, NoBusinessDay(today), HttpStatusCode.Conflict);
        Assert.Contains("'daily-9', 'weekly-report'", (string?)refused["detail"], StringComparison.Ordinal);
        Assert.Equal(before, await h.Api.SnapshotAsync());

        // Mondays only is fine; an import that then takes every Monday away is refused the same way.
        await Send(h, HttpMethod.Put, url, Sparse([]), HttpStatusCode.OK);
        before = await h.Api.SnapshotAsync();
        var ics = $"BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:mondays\nDTSTART;VALUE=DATE:{today:yyyyMMdd}\nRRULE:FREQ=WEEKLY;BYDAY=MO\nSUMMARY:Closed\nEND:VEVENT\nEND:VCALENDAR\n";
        var import = await h.Client.PostAsync($"{url}/import?fromYear={today.Year}&toYear={today.Year + 3}", new StringContent(ics, Encoding.UTF8, "text/calendar"));
        var problem = await import.Content.ReadAsStringAsync();
        Assert.True(import.StatusCode == HttpStatusCode.Conflict, problem);
        Assert.Contains("'daily-9'", problem, StringComparison.Ordinal);
        Assert.Equal(before, await h.Api.SnapshotAsync());

        var after = await h.GetAsync($"/api/v1/schedules/{schedule["id"]}");
        Assert.Equal("active", (string?)after["state"]);
        Assert.Equal(DayOfWeek.Monday, DateTimeOffset.Parse((string)after["nextFireAt"]!, CultureInfo.InvariantCulture).DayOfWeek);
    }

    [Fact]
    public async Task A_pause_or_resume_that_would_change_nothing_is_a_409_saying_why()
    {
        await using var h = await ApiHarness.StartAsync();
        var active = await h.CreateAsync(h.Webhook("hourly", """ "cron": "0 0 * * * *" """));
        var id = (string)active["id"]!;
        Assert.Contains("Nothing to resume", (string?)(await h.PostAsync($"/api/v1/schedules/{id}/resume", HttpStatusCode.Conflict))["detail"],
            StringComparison.Ordinal);
        Assert.Equal("paused", (string?)(await h.PostAsync($"/api/v1/schedules/{id}/pause"))["state"]);
        Assert.Contains("already paused", (string?)(await h.PostAsync($"/api/v1/schedules/{id}/pause", HttpStatusCode.Conflict))["detail"],
            StringComparison.Ordinal);

        var once = await h.CreateAsync(h.Webhook("once", $$""" "runAt": "{{h.Time.GetUtcNow().AddSeconds(5):O}}" """));
        h.AdvanceTo(once["nextFireAt"]);
        Assert.Equal(1, await h.Executor.DrainAsync());
        var onceUrl = $"/api/v1/schedules/{once["id"]}";
        Assert.Equal("completed", (string?)(await h.GetAsync(onceUrl))["state"]);
        var before = await h.Api.SnapshotAsync();
        var resume = await h.PostAsync($"{onceUrl}/resume", HttpStatusCode.Conflict);
        Assert.Equal("The schedule is completed.", (string?)resume["title"]);
        Assert.Contains("A completed schedule cannot be resumed", (string?)resume["detail"], StringComparison.Ordinal);
        Assert.Contains("cannot be paused", (string?)(await h.PostAsync($"{onceUrl}/pause", HttpStatusCode.Conflict))["detail"], StringComparison.Ordinal);
        Assert.Equal(before, await h.Api.SnapshotAsync());
    }

    [Fact]
    public async Task Resuming_a_paused_schedule_with_no_occurrence_left_keeps_it_paused_and_says_why()
    {
        await using var h = await ApiHarness.StartAsync();
        var ending = await h.CreateAsync(h.Webhook("ends-soon", $$""" "cron": "0 0 * * * *", "endAt": "{{h.Time.GetUtcNow().AddHours(3):O}}" """));
        var url = $"/api/v1/schedules/{ending["id"]}";
        await h.PostAsync($"{url}/pause");
        h.Time.Advance(TimeSpan.FromHours(4));

        var before = await h.Api.SnapshotAsync();
        var refused = await h.PostAsync($"{url}/resume", HttpStatusCode.Conflict);
        Assert.Contains("has no occurrence between now and", (string?)refused["detail"], StringComparison.Ordinal);
        Assert.Contains("it stays paused", (string?)refused["detail"], StringComparison.Ordinal);
        Assert.Equal("paused", (string?)(await h.GetAsync(url))["state"]);
        Assert.Equal(before, await h.Api.SnapshotAsync());
    }

    private static async Task<JsonObject> Send(ApiHarness h, HttpMethod method, string url, string json, HttpStatusCode expected)
    {
        var response = await h.Client.SendAsync(new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {url}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }
}
