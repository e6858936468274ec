using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests;

public class ListingTests
{
    private static async Task<List<JsonObject>> AllPagesAsync(ApiHarness h, string query, Func<int, Task>? betweenPages = null)
    {
        var items = new List<JsonObject>();
        string? cursor = null;
        var page = 0;
        do
        {
            var url = $"/api/v1/schedules?{query}{(cursor is null ? "" : $"&cursor={cursor}")}";
            var body = await h.GetAsync(url);
            items.AddRange(body["items"]!.AsArray().Select(i => i!.AsObject()));
            cursor = (string?)body["nextCursor"];
            if (betweenPages is not null)
            {
                await betweenPages(page++);
            }
        }
        while (cursor is not null);
        return items;
    }

    [Fact]
    public async Task Paging_while_schedules_are_inserted_sees_every_existing_schedule_exactly_once()
    {
        await using var h = await ApiHarness.StartAsync();
        var existing = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            existing.Add((string)(await h.CreateAsync(h.Webhook($"existing-{i:00}", "\"cron\": \"0 0 9 * * *\"")))["id"]!);
        }
        var inserted = 0;
        foreach (var sort in new[] { "created", "newest", "nextFire" })
        {
            var seen = await AllPagesAsync(h, $"limit=7&sort={sort}", async _ =>
            {
                for (var i = 0; i < 3; i++)
                {
                    h.Time.Advance(TimeSpan.FromMilliseconds(1));
                    await h.CreateAsync(h.Webhook($"inserted-{inserted++}", "\"cron\": \"0 0 8 * * *\""));
                }
            });
            var ids = seen.Select(s => (string)s["id"]!).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.Empty(existing.Except(ids));
        }
    }

    [Fact]
    public async Task Filters_and_sort_select_what_they_say()
    {
        await using var h = await ApiHarness.StartAsync();
        var now = h.Time.GetUtcNow();
        async Task<string> Create(string name, string timing, Dictionary<string, string>? labels = null)
        {
            // Ids order by creation to the millisecond.
            h.Time.Advance(TimeSpan.FromMilliseconds(1));
            var body = h.Webhook(name, timing);
            if (labels is not null)
            {
                body["labels"] = JsonSerializer.SerializeToNode(labels);
            }
            return (string)(await h.CreateAsync(body))["id"]!;
        }
        var inAnHour = await Create("billing-hourly", $"\"runAt\": \"{now.AddHours(1):O}\"", new() { ["team"] = "billing" });
        var inAMinute = await Create("Billing-soon", "\"delay\": \"1m\"", new() { ["team"] = "billing", ["owner"] = "ann@example.com" });
        var tomorrow = await Create("reports", $"\"runAt\": \"{now.AddDays(1):O}\"", new() { ["team"] = "data" });
        var paused = await Create("paused-billing", "\"delay\": \"5m\"", new() { ["team"] = "billing" });
        await h.PostAsync($"/api/v1/schedules/{paused}/pause");

        async Task<List<string>> Ids(string query) => (await AllPagesAsync(h, query)).Select(s => (string)s["id"]!).ToList();

        Assert.Equal([inAnHour, inAMinute, paused], await Ids("name=billing"));
        Assert.Equal([inAnHour, inAMinute, paused], await Ids("label=team%3Dbilling"));
        Assert.Equal([inAMinute], await Ids("label=team%3Dbilling&label=owner%3Dann%40example.com"));
        Assert.Equal([paused], await Ids("state=paused"));
        Assert.Equal([inAnHour, inAMinute, tomorrow], await Ids("state=active"));
        Assert.Equal([inAnHour, inAMinute, tomorrow, paused], await Ids("targetType=webhook"));
        Assert.Equal([inAMinute, inAnHour], await Ids($"nextFireBefore={Uri.EscapeDataString(now.AddHours(2).ToString("O"))}&sort=nextFire"));
        Assert.Equal([tomorrow], await Ids($"nextFireAfter={Uri.EscapeDataString(now.AddHours(2).ToString("O"))}"));
        Assert.Equal([inAMinute, inAnHour, tomorrow, paused], await Ids("sort=nextFire&limit=1"));
        // Newest first, a page at a time (issue 32: the UI's "newest first" listed the oldest first).
        Assert.Equal([paused, tomorrow, inAMinute, inAnHour], await Ids("sort=newest&limit=1"));
        Assert.Equal([inAnHour, inAMinute, tomorrow, paused], await Ids("sort=created&limit=3"));
        Assert.Empty(await Ids("name=%25"));
    }

    [Fact]
    public async Task Firing_sets_last_fired_at_and_leaves_updated_at_and_version_to_changes()
    {
        await using var h = await ApiHarness.StartAsync();
        var created = await h.CreateAsync(h.Webhook("every-second", "\"cron\": \"* * * * * *\""));
        var id = (string)created["id"]!;
        Assert.Null(created["lastFiredAt"]);
        var first = (DateTimeOffset)created["nextFireAt"]!;
        for (var i = 0; i < 3; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await h.Executor.DrainAsync();
        }
        var fired = await h.GetAsync($"/api/v1/schedules/{id}");
        // Issue 32: updatedAt moved at every fire while version stayed 1.
        Assert.Equal(((string)created["updatedAt"]!, 1), ((string)fired["updatedAt"]!, (int)fired["version"]!));
        var executions = (await h.GetAsync($"/api/v1/schedules/{id}/executions"))["items"]!.AsArray();
        // The newest occurrence taken (the executor may take one within its lookahead, ahead of its time).
        Assert.True(executions.Count >= 3, executions.ToJsonString());
        Assert.Equal((DateTimeOffset)executions[0]!["scheduledFor"]!, (DateTimeOffset)fired["lastFiredAt"]!);
        Assert.True((DateTimeOffset)fired["lastFiredAt"]! >= first.AddSeconds(2), fired.ToJsonString());

        // A change of the definition is what moves updatedAt and version; lastFiredAt stays.
        await h.PostAsync($"/api/v1/schedules/{id}/pause");
        var paused = await h.GetAsync($"/api/v1/schedules/{id}");
        Assert.Equal(2, (int)paused["version"]!);
        Assert.NotEqual((string)created["updatedAt"]!, (string)paused["updatedAt"]!);
        Assert.Equal((string)fired["lastFiredAt"]!, (string)paused["lastFiredAt"]!);
    }

    [Fact]
    public async Task Executions_page_newest_first_and_deleted_schedules_keep_their_history()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(h.Webhook("every-second", "\"cron\": \"* * * * * *\""));
        var id = (string)schedule["id"]!;
        for (var i = 0; i < 5; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await h.Executor.DrainAsync();
        }
        var first = await h.GetAsync($"/api/v1/schedules/{id}/executions?limit=3");
        var second = await h.GetAsync($"/api/v1/schedules/{id}/executions?limit=3&cursor={first["nextCursor"]}");
        var times = first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(e => (string)e!["scheduledFor"]!).ToList();
        Assert.Equal(5, times.Count);
        Assert.Equal(times.OrderDescending(), times);
        Assert.All(first["items"]!.AsArray(), e => Assert.Equal(0, (double)e!["latenessMs"]!));

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await h.Client.DeleteAsync($"/api/v1/schedules/{id}")).StatusCode);
        Assert.Equal(5, (await h.GetAsync($"/api/v1/executions?scheduleId={id}"))["items"]!.AsArray().Count);
    }
}
