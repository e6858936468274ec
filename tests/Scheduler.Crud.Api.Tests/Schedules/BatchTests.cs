using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests.Schedules;

/// <summary>Batch create through the real API: one result per item, the valid ones written (and audited) in one go, the others refused alone.</summary>
public class BatchTests
{
    [Fact]
    public async Task Each_item_gets_its_own_result_and_a_bad_item_does_not_stop_the_others()
    {
        await using var h = await ApiHarness.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await h.Client.PostAsJsonAsync("/api/v1/schedules", h.Webhook("taken-already", "\"delay\": \"1h\""))).StatusCode);
        var items = new JsonArray(
            h.Webhook("reminder-1", "\"delay\": \"1h\""),
            h.Webhook("reminder-2", "\"cron\": \"0 0 25 * * *\""),
            h.Webhook("reminder-3", "\"runAt\": \"2030-01-01T09:00:00Z\""),
            h.Webhook("reminder-1", "\"delay\": \"2h\""),
            h.Webhook("taken-already", "\"delay\": \"1h\""),
            null);
        var response = await h.Client.PostAsJsonAsync("/api/v1/schedules/batch", new JsonObject { ["items"] = items });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((2, 4), ((int)body["created"]!, (int)body["failed"]!));
        var results = body["results"]!.AsArray();
        Assert.Equal([0, 1, 2, 3, 4, 5], results.Select(r => (int)r!["index"]!));
        Assert.Equal([201, 400, 201, 409, 409, 400], results.Select(r => (int)r!["status"]!));
        Assert.Equal("reminder-1", (string)results[0]!["schedule"]!["name"]!);
        Assert.NotNull(results[0]!["schedule"]!["nextFireAt"]);
        Assert.Contains("cron", results[1]!["errors"]!.AsObject().Select(e => e.Key));
        Assert.Contains("an earlier item of this batch", results[3]!["errors"]!["name"]![0]!.ToString(), StringComparison.Ordinal);
        Assert.Contains("an existing schedule", results[4]!["errors"]!["name"]![0]!.ToString(), StringComparison.Ordinal);

        // What was created is there, once, and in the audit trail like any create.
        var names = (await h.GetAsync("/api/v1/schedules?limit=500"))["items"]!.AsArray().Select(s => (string)s!["name"]!).Order();
        Assert.Equal(["reminder-1", "reminder-3", "taken-already"], names);
        var audit = (await h.GetAsync("/api/v1/audit?objectType=schedule&limit=500"))["items"]!.AsArray();
        Assert.Equal(3, audit.Count(a => (string)a!["action"]! == "create"));
    }

    [Fact]
    public async Task A_thousand_items_are_accepted_and_one_more_is_refused()
    {
        await using var h = await ApiHarness.StartAsync();
        JsonArray Items(int count) => new([.. Enumerable.Range(0, count).Select(i => (JsonNode?)h.Webhook($"bulk-{i}", "\"delay\": \"1h\""))]);
        var tooMany = await h.Client.PostAsJsonAsync("/api/v1/schedules/batch", new JsonObject { ["items"] = Items(1001) });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Empty((await h.GetAsync("/api/v1/schedules"))["items"]!.AsArray());
        var thousand = await h.Client.PostAsJsonAsync("/api/v1/schedules/batch", new JsonObject { ["items"] = Items(1000) });
        Assert.Equal(HttpStatusCode.OK, thousand.StatusCode);
        Assert.Equal(1000, (int)(await thousand.Content.ReadFromJsonAsync<JsonObject>())!["created"]!);
    }
}
