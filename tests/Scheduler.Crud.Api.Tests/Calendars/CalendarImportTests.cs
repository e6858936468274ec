using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests.Calendars;

/// <summary>Importing an .ics file into a calendar: what it adds, and what it refuses without changing anything.</summary>
public class CalendarImportTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Feed = """
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//Scheduleman tests//EN
        BEGIN:VEVENT
        UID:christmas@test
        DTSTART;VALUE=DATE:20261225
        DTEND;VALUE=DATE:20261226
        RRULE:FREQ=YEARLY
        SUMMARY:Christmas Day
        END:VEVENT
        BEGIN:VEVENT
        UID:closure@test
        DTSTART;VALUE=DATE:20270802
        DTEND;VALUE=DATE:20270804
        SUMMARY:Office closure
        END:VEVENT
        END:VCALENDAR
        """;

    [Fact]
    public async Task An_ics_import_adds_its_days_keeps_existing_names_and_bumps_the_version()
    {
        var client = factory.CreateClient();
        var created = await (await client.PostAsJsonAsync("/api/v1/calendars", JsonNode.Parse("""
            { "name": "imported", "holidays": [ { "date": "2026-12-25", "name": "Christmas (ours)" } ] }
            """))).Content.ReadFromJsonAsync<JsonObject>();
        var response = await client.PostAsync($"/api/v1/calendars/{created!["id"]}/import?fromYear=2026&toYear=2027",
            new StringContent(Feed, Encoding.UTF8, "text/calendar"));
        var result = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((3, 1), ((int)result["added"]!, (int)result["alreadyThere"]!));
        var holidays = result["calendar"]!["holidays"]!.AsArray().Select(h => $"{h!["date"]} {h["name"]}").ToList();
        Assert.Equal(["2026-12-25 Christmas (ours)", "2027-08-02 Office closure", "2027-08-03 Office closure", "2027-12-25 Christmas Day"], holidays);
        Assert.Equal(2, (int)result["calendar"]!["version"]!);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
    }

    [Theory]
    [InlineData("BEGIN:VCALENDAR\nEND:VCALENDAR", "text/calendar", "body")]
    [InlineData("this is not a calendar", "text/calendar", "body")]
    [InlineData("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026XX25\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR", "text/calendar", "body")]
    [InlineData(Feed, "text/calendar", "toYear", "?fromYear=2030&toYear=2020")]
    [InlineData(Feed, "text/calendar", "toYear", "?fromYear=1900")]
    [InlineData(Feed, "text/calendar", "fromYear", "?fromYear=soon")]
    public async Task A_bad_import_is_a_problem_naming_the_field_and_changes_nothing(string body, string contentType, string field, string query = "")
    {
        var client = factory.CreateClient();
        var created = await (await client.PostAsJsonAsync("/api/v1/calendars", JsonNode.Parse($$"""{ "name": "untouched-{{Guid.NewGuid():N}}" }""")))
            .Content.ReadFromJsonAsync<JsonObject>();
        var before = await factory.SnapshotAsync();
        var response = await client.PostAsync($"/api/v1/calendars/{created!["id"]}/import{query}", new StringContent(body, Encoding.UTF8, contentType));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.True(JsonNode.Parse(text)!["errors"]![field] is not null, text);
        Assert.Equal(before, await factory.SnapshotAsync());
    }

    [Fact]
    public async Task An_import_sent_as_another_type_is_415_and_changes_nothing()
    {
        var client = factory.CreateClient();
        var created = await (await client.PostAsJsonAsync("/api/v1/calendars", JsonNode.Parse("""{ "name": "typed-import" }""")))
            .Content.ReadFromJsonAsync<JsonObject>();
        var before = await factory.SnapshotAsync();
        var response = await client.PostAsync($"/api/v1/calendars/{created!["id"]}/import", new StringContent(Feed, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await factory.SnapshotAsync());
    }

    [Fact]
    public async Task An_import_larger_than_the_limit_is_refused()
    {
        var client = factory.CreateClient();
        var created = await (await client.PostAsJsonAsync("/api/v1/calendars", JsonNode.Parse("""{ "name": "huge-import" }""")))
            .Content.ReadFromJsonAsync<JsonObject>();
        var huge = "BEGIN:VCALENDAR\n" + string.Concat(Enumerable.Repeat("X-PADDING:" + new string('p', 1000) + "\n", 600)) + "END:VCALENDAR\n";
        var response = await client.PostAsync($"/api/v1/calendars/{created!["id"]}/import", new StringContent(huge, Encoding.UTF8, "text/calendar"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("larger than", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
