using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Scheduler.Common.Calendars;
using Xunit.Abstractions;

namespace Scheduler.Crud.Api.Tests.Calendars;

/// <summary>Importing an .ics file into a calendar: what it adds, and what it refuses without changing anything.</summary>
public class CalendarImportTests(ApiFactory factory, ITestOutputHelper output) : IClassFixture<ApiFactory>
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

    // Exactly this many bytes: a two-byte character in the description counts twice.
    private static string FeedOfBytes(int bytes)
    {
        const string head = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:sized@test\nDTSTART;VALUE=DATE:20261224\nSUMMARY:Sized\nDESCRIPTION:é";
        const string tail = "\nEND:VEVENT\nEND:VCALENDAR\n";
        var text = head + new string('p', bytes - Encoding.UTF8.GetByteCount(head + tail)) + tail;
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(text));
        return text;
    }

    [Fact]
    public async Task An_import_of_exactly_the_size_bound_in_bytes_is_read_and_one_byte_more_is_refused()
    {
        var client = factory.CreateClient();
        var created = await (await client.PostAsJsonAsync("/api/v1/calendars", JsonNode.Parse("""{ "name": "sized-import" }""")))
            .Content.ReadFromJsonAsync<JsonObject>();
        var url = $"/api/v1/calendars/{created!["id"]}/import?fromYear=2026&toYear=2026";
        var at = await client.PostAsync(url, new StringContent(FeedOfBytes(IcsImport.MaxBytes), Encoding.UTF8, "text/calendar"));
        Assert.True(at.StatusCode == HttpStatusCode.OK, await at.Content.ReadAsStringAsync());
        var past = await client.PostAsync(url, new StringContent(FeedOfBytes(IcsImport.MaxBytes + 1), Encoding.UTF8, "text/calendar"));
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains($"larger than {IcsImport.MaxBytes / 1024} KiB", await past.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // Issue 31: a rule that never matches ran Ical.Net on to the year 9999 (a secondly one for ever), a core spun per upload.
    private const string NeverMatches = """
        BEGIN:VCALENDAR
        VERSION:2.0
        BEGIN:VEVENT
        UID:never@test
        DTSTART;VALUE=DATE:20260101
        RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30
        SUMMARY:The 30th of February
        END:VEVENT
        END:VCALENDAR
        """;

    [Theory]
    [InlineData(NeverMatches, "has no event with a readable date")]
    [InlineData("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30\nEND:VEVENT\nEND:VCALENDAR\n",
        "holidays repeat daily at most")]
    public async Task An_import_whose_recurrence_never_matches_is_a_400_naming_the_body_and_changes_nothing(string ics, string reason)
    {
        var client = factory.CreateClient();
        var created = await (await client.PostAsJsonAsync("/api/v1/calendars", JsonNode.Parse($$"""{ "name": "never-{{Guid.NewGuid():N}}" }""")))
            .Content.ReadFromJsonAsync<JsonObject>();
        var before = await factory.SnapshotAsync();
        var started = Stopwatch.GetTimestamp();
        var response = await client.PostAsync($"/api/v1/calendars/{created!["id"]}/import?fromYear=2026&toYear=2075",
            new StringContent(ics, Encoding.UTF8, "text/calendar"));
        output.WriteLine($"answered {(int)response.StatusCode} in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Contains(reason, (string?)JsonNode.Parse(text)!["errors"]!["body"]![0], StringComparison.Ordinal);
        Assert.Equal(before, await factory.SnapshotAsync());
    }

    [Fact]
    public async Task An_import_into_a_calendar_of_another_tenant_or_of_none_is_404_before_the_file_is_read()
    {
        var client = factory.CreateClient();
        var ours = await (await client.PostAsJsonAsync("/api/v1/calendars", JsonNode.Parse("""{ "name": "ours-to-import" }""")))
            .Content.ReadFromJsonAsync<JsonObject>();
        var keys = new Scheduler.Storage.Access.ApiKeyStore(Npgsql.NpgsqlDataSource.Create(factory.ConnectionString), TimeProvider.System);
        var theirs = factory.CreateAnonymousClient();
        theirs.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await keys.CreateAsync("import-other-team", "their writer", "write", CancellationToken.None)).Key);
        var before = await factory.SnapshotAsync();
        foreach (var (caller, id) in new[] { (theirs, (string)ours!["id"]!), (client, Guid.NewGuid().ToString()) })
        {
            // Too large to read: a 404 rather than a 400 shows the target was checked first.
            var response = await caller.PostAsync($"/api/v1/calendars/{id}/import",
                new StringContent(FeedOfBytes(IcsImport.MaxBytes + 1), Encoding.UTF8, "text/calendar"));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        Assert.Equal(before, await factory.SnapshotAsync());
    }
}
