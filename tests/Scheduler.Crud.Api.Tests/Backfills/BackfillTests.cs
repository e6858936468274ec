using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests.Backfills;

/// <summary>
/// Backfills, history mode and templates through the real API (on a socket), a real executor and WaitEcho as the worker: a week
/// as seven daily runs across London's DST change and a calendar holiday, two at a time; an idempotent repeat; cancel mid-way;
/// a workflow's backfill; a past logical date by hand; templated bodies carrying each run's interval and parameters.
/// </summary>
public class BackfillTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static DateTimeOffset Utc(int month, int day, int hour) => new(2026, month, day, hour, 0, 0, TimeSpan.Zero);

    private static async Task<JsonObject> DailyScheduleAsync(ApiHarness h, string name, string work, string completion = """, "completion": { "runTimeout": "PT1H" }""")
    {
        await h.PostAsync("/api/v1/calendars", HttpStatusCode.Created, JsonNode.Parse($$"""
            { "name": "{{name}}-days", "weekendDays": [], "holidays": [{ "date": "2026-10-28", "name": "Founders' Day" }] }
            """));
        return await h.CreateAsync(JsonNode.Parse($$$"""
            { "name": "{{{name}}}", "cron": "0 0 6 * * *", "timeZone": "Europe/London", "calendar": "{{{name}}}-days",
              "parameters": { "region": { "type": "string", "default": "eu" }, "full": { "type": "boolean", "default": false } }
              {{{completion}}},
              "target": { "type": "webhook", "url": "{{{h.Echo.WorkUrl(work)}}}",
                          "body": { "from": "{{ interval.start }}", "to": "{{ interval.end }}", "day": "{{ logicalDate | date: '%Y-%m-%d' }}",
                                    "region": "{{ params.region }}", "full": "{{ params.full }}" } } }
            """)!.AsObject());
    }

    private static Task<JsonObject> GetAsync(ApiHarness h, string backfillId) => h.GetAsync($"/api/v1/backfills/{backfillId}");

    private static async Task<JsonArray> ExecutionsAsync(ApiHarness h, string scheduleId) =>
        (await h.GetAsync($"/api/v1/schedules/{scheduleId}/executions?limit=100"))["items"]!.AsArray();

    [Fact]
    public async Task A_week_is_seven_daily_runs_across_dst_and_a_holiday_two_at_a_time_oldest_first_and_a_repeat_runs_nothing_again()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var schedule = await DailyScheduleAsync(h, "daily-load", "for=10s");
        var scheduleId = (string)schedule["id"]!;
        var nextFireAt = (string)schedule["nextFireAt"]!;
        var request = new JsonObject { ["start"] = "2026-10-22", ["end"] = "2026-10-30", ["maxActiveRuns"] = 2, ["parameters"] = new JsonObject { ["region"] = "us" } };

        // The dry run lists the seven intervals and stores nothing.
        var dry = await h.PostAsync($"/api/v1/schedules/{scheduleId}/backfills", HttpStatusCode.OK, ((JsonObject)request.DeepClone()).Also(r => r["dryRun"] = true));
        Assert.Equal((7, 7, 0), ((int)dry["total"]!, (int)dry["toRun"]!, (int)dry["covered"]!));
        var expected = new (DateTimeOffset From, DateTimeOffset To)[]
        {
            (Utc(10, 22, 5), Utc(10, 23, 5)), (Utc(10, 23, 5), Utc(10, 24, 5)), (Utc(10, 24, 5), Utc(10, 25, 6)), (Utc(10, 25, 6), Utc(10, 26, 6)),
            (Utc(10, 26, 6), Utc(10, 27, 6)), (Utc(10, 27, 6), Utc(10, 29, 6)), (Utc(10, 29, 6), Utc(10, 30, 6)),
        };
        Assert.Equal(expected, dry["runs"]!.AsArray().Select(r => ((DateTimeOffset)r!["dataInterval"]!["start"]!, (DateTimeOffset)r["dataInterval"]!["end"]!)));
        Assert.Empty(await ExecutionsAsync(h, scheduleId));
        Assert.Empty((await h.GetAsync("/api/v1/backfills"))["items"]!.AsArray());

        var created = await h.PostAsync($"/api/v1/schedules/{scheduleId}/backfills", HttpStatusCode.Created, request);
        var backfillId = (string)created["id"]!;
        Assert.Equal(("running", 7, 2), ((string)created["status"]!, (int)created["progress"]!["total"]!, (int)created["progress"]!["started"]!));

        // Each round: deliver what is due, let the worker's 10 s pass; never more than two unfinished.
        var maxActive = 0;
        await WaitFor.ConditionAsync(async () =>
        {
            await h.Executor.DrainAsync();
            var backfill = await GetAsync(h, backfillId);
            maxActive = Math.Max(maxActive, (int)backfill["progress"]!["active"]!);
            Assert.True((int)backfill["progress"]!["active"]! <= 2, backfill.ToJsonString());
            h.Time.Advance(TimeSpan.FromSeconds(5));
            return (string)backfill["status"]! == "completed";
        }, Patience, "the backfill to complete", async () => (await GetAsync(h, backfillId)).ToJsonString());
        Assert.Equal(2, maxActive);

        var done = await GetAsync(h, backfillId);
        Assert.Equal((7, 0, 100.0), ((int)done["progress"]!["succeeded"]!, (int)done["progress"]!["failed"]!, (double)done["progress"]!["percentDone"]!));
        // The list counts as the detail does (issue 32: it said 0 of 7, 0 %, for this one).
        var listed = (await h.GetAsync($"/api/v1/backfills?scheduleId={scheduleId}"))["items"]!.AsArray().Single(b => (string)b!["id"]! == backfillId)!;
        Assert.Equal(done["progress"]!.ToJsonString(), listed["progress"]!.ToJsonString());
        var executions = (await ExecutionsAsync(h, scheduleId)).Select(e => e!.AsObject()).OrderBy(e => (DateTimeOffset)e["logicalDate"]!).ToList();
        Assert.Equal(7, executions.Count);
        Assert.All(executions, e => Assert.Equal(("backfill", backfillId, "succeeded"), ((string)e["origin"]!, (string)e["backfillId"]!, (string)e["status"]!)));
        // Each with its interval, its logical date (the interval's end) and the backfill's parameters.
        Assert.Equal(expected, executions.Select(e => ((DateTimeOffset)e["dataInterval"]!["start"]!, (DateTimeOffset)e["dataInterval"]!["end"]!)));
        Assert.All(executions, e => Assert.Equal((DateTimeOffset)e["dataInterval"]!["end"]!, (DateTimeOffset)e["logicalDate"]!));
        Assert.All(executions, e => Assert.Equal("us", (string)e["parameters"]!["region"]!));
        // Oldest first, two at a time: no run started before the one two places before it had ended.
        for (var i = 2; i < executions.Count; i++)
        {
            Assert.True((DateTimeOffset)executions[i]["firstAttemptAt"]! >= (DateTimeOffset)executions[i - 2]["completedAt"]!, $"run {i} started early");
        }

        // The templated bodies as the worker received them.
        var bodies = (await h.Echo.ReceivedAsync(scheduleId)).Select(r => JsonNode.Parse(r.Body)!).ToList();
        Assert.Equal(7, bodies.Count);
        var sunday = bodies.Single(b => (string)b["from"]! == "2026-10-24T05:00:00Z");
        Assert.Equal(("2026-10-25T06:00:00Z", "2026-10-25", "us", "false"), ((string)sunday["to"]!, (string)sunday["day"]!, (string)sunday["region"]!, (string)sunday["full"]!));

        // Each run's logical date is in a header too: its scheduledFor is when the backfill made it, not the day it is for.
        Assert.Equal(expected.Select(e => e.To).Order(), (await h.Echo.ReceivedAsync(scheduleId))
            .Select(r => DateTimeOffset.Parse(r.Headers["scheduleman-logical-date"], System.Globalization.CultureInfo.InvariantCulture)).Order());

        // The live schedule was not disturbed.
        Assert.Equal(nextFireAt, (string)(await h.GetAsync($"/api/v1/schedules/{scheduleId}"))["nextFireAt"]!);

        // The same backfill again runs nothing again (every interval is covered) unless asked to rerun.
        var again = await h.PostAsync($"/api/v1/schedules/{scheduleId}/backfills", HttpStatusCode.Created, request);
        Assert.Equal(("completed", 0, 7), ((string)again["status"]!, (int)again["progress"]!["total"]!, (int)again["progress"]!["covered"]!));
        var rerun = await h.PostAsync($"/api/v1/schedules/{scheduleId}/backfills", HttpStatusCode.OK,
            ((JsonObject)request.DeepClone()).Also(r => { r["rerun"] = true; r["dryRun"] = true; }));
        Assert.Equal((7, 0), ((int)rerun["toRun"]!, (int)rerun["covered"]!));
        Assert.Equal(7, (await ExecutionsAsync(h, scheduleId)).Count);
    }

    [Fact]
    public async Task A_cancelled_backfill_starts_nothing_more_and_asks_its_run_to_stop_and_a_pause_holds_it()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var schedule = await DailyScheduleAsync(h, "cancelled-load", "for=1h&heartbeat=5s");
        var scheduleId = (string)schedule["id"]!;
        var created = await h.PostAsync($"/api/v1/schedules/{scheduleId}/backfills", HttpStatusCode.Created,
            new JsonObject { ["start"] = "2026-10-22", ["end"] = "2026-10-30", ["batch"] = "occurrence" });
        var id = (string)created["id"]!;
        Assert.Equal(1, (int)created["progress"]!["started"]!);
        await WaitFor.ConditionAsync(async () =>
        {
            await h.Executor.DrainAsync();
            return (string)(await ExecutionsAsync(h, scheduleId))[0]!["status"]! == "running";
        }, Patience, "the first run to start");

        // If-Match guards each change: a stale ETag is a 412 and changes nothing.
        using (var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/backfills/{id}/pause") { Headers = { { "If-Match", "\"99\"" } } })
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, (await h.Client.SendAsync(stale)).StatusCode);
        }
        var read = await h.Client.GetAsync($"/api/v1/backfills/{id}");
        using var fresh = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/backfills/{id}/pause") { Headers = { { "If-Match", read.Headers.ETag!.Tag } } };
        var paused = (await (await h.Client.SendAsync(fresh)).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("paused", (string)paused["status"]!);
        var cancelled = await h.PostAsync($"/api/v1/backfills/{id}/cancel");
        Assert.Equal("cancelled", (string)cancelled["status"]!);
        // Its run hears the cancel on its next heartbeat and stops; nothing else starts.
        await WaitFor.ConditionAsync(async () =>
        {
            h.Time.Advance(TimeSpan.FromSeconds(5));
            await h.Executor.DrainAsync();
            return (string)(await ExecutionsAsync(h, scheduleId))[0]!["status"]! == "cancelled";
        }, Patience, "the run to stop");
        Assert.Single(await ExecutionsAsync(h, scheduleId));
        var runs = (await h.GetAsync($"/api/v1/backfills/{id}/runs"))["items"]!.AsArray();
        Assert.Equal(["cancelled", "waiting", "waiting", "waiting", "waiting", "waiting", "waiting"], runs.Select(r => (string)r!["status"]!));
        var problem = await h.Client.PostAsync($"/api/v1/backfills/{id}/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, problem.StatusCode);
        // A cancelled backfill's unrun intervals are not covered: the same range again makes the six it never ran (and the cancelled one).
        var dry = await h.PostAsync($"/api/v1/schedules/{scheduleId}/backfills", HttpStatusCode.OK,
            new JsonObject { ["start"] = "2026-10-22", ["end"] = "2026-10-30", ["dryRun"] = true });
        Assert.Equal(7, (int)dry["toRun"]!);
    }

    [Fact]
    public async Task A_workflows_backfill_starts_runs_by_day_each_step_carrying_the_interval_and_parameters()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var workflow = await h.PostAsync("/api/v1/workflows", HttpStatusCode.Created, JsonNode.Parse($$$"""
            { "name": "daily-etl", "parameters": { "table": { "type": "string", "required": true } },
              "steps": [ { "id": "load", "target": { "type": "webhook", "url": "{{{h.Echo.WorkUrl("for=0s")}}}",
                           "body": { "table": "{{ params.table }}", "from": "{{ interval.start }}", "run": "{{ runId }}" } } } ] }
            """));
        var workflowId = (string)workflow["id"]!;
        var bad = await h.Client.PostAsJsonAsync($"/api/v1/workflows/{workflowId}/backfills", new { start = "2026-11-01", end = "2026-11-04" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("parameters.table", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var created = await h.PostAsync($"/api/v1/workflows/{workflowId}/backfills", HttpStatusCode.Created,
            new JsonObject { ["start"] = "2026-11-01", ["end"] = "2026-11-04", ["parameters"] = new JsonObject { ["table"] = "sales" } });
        var id = (string)created["id"]!;
        await WaitFor.ConditionAsync(async () =>
        {
            await h.Executor.DrainAsync();
            return (string)(await GetAsync(h, id))["status"]! == "completed";
        }, Patience, "the backfill to complete", async () => (await GetAsync(h, id)).ToJsonString());

        var runs = (await h.GetAsync($"/api/v1/workflow-runs?workflowId={workflowId}"))["items"]!.AsArray().Select(r => r!.AsObject())
            .OrderBy(r => (DateTimeOffset)r["logicalDate"]!).ToList();
        Assert.Equal([Utc(11, 1, 0), Utc(11, 2, 0), Utc(11, 3, 0)], runs.Select(r => (DateTimeOffset)r["dataInterval"]!["start"]!));
        Assert.All(runs, r => Assert.Equal(("backfill", id, "succeeded"), ((string)r["origin"]!, (string)r["backfillId"]!, (string)r["status"]!)));
        var bodies = (await h.Echo.ReceivedAsync()).Select(r => JsonNode.Parse(r.Body)!).OrderBy(b => (string)b["from"]!, StringComparer.Ordinal).ToList();
        Assert.Equal(["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"], bodies.Select(b => (string)b["from"]!));
        Assert.All(bodies, b => Assert.Equal("sales", (string)b["table"]!));
        Assert.Equal(runs.Select(r => (string)r["id"]!).Order(StringComparer.Ordinal), bodies.Select(b => (string)b["run"]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Trigger_now_in_history_mode_runs_the_occurrence_for_that_date_with_its_interval_and_checked_parameters()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var schedule = await DailyScheduleAsync(h, "history", "", completion: "");
        var scheduleId = (string)schedule["id"]!;
        var execution = await h.PostAsync($"/api/v1/schedules/{scheduleId}/trigger", HttpStatusCode.Accepted,
            new JsonObject { ["logicalDate"] = "2026-10-29T12:00:00Z", ["parameters"] = new JsonObject { ["full"] = true } });
        Assert.Equal(("manual", Utc(10, 29, 6)), ((string)execution["origin"]!, (DateTimeOffset)execution["logicalDate"]!));
        // The holiday before it: its interval covers two days. The parameters: given, with the default filled in.
        Assert.Equal((Utc(10, 27, 6), Utc(10, 29, 6)), ((DateTimeOffset)execution["dataInterval"]!["start"]!, (DateTimeOffset)execution["dataInterval"]!["end"]!));
        Assert.Equal("""{"full":true,"region":"eu"}""", execution["parameters"]!.ToJsonString());
        await h.Executor.DrainAsync();
        var body = JsonNode.Parse(Assert.Single(await h.Echo.ReceivedAsync(scheduleId)).Body)!;
        Assert.Equal(("2026-10-27T06:00:00Z", "2026-10-29", "eu", "true"), ((string)body["from"]!, (string)body["day"]!, (string)body["region"]!, (string)body["full"]!));

        // Wrong types, unknown names and future dates are refused naming the field, and nothing is made.
        foreach (var (bad, field) in new[]
                 {
                     (new JsonObject { ["parameters"] = new JsonObject { ["full"] = "yes" } }, "parameters.full"),
                     (new JsonObject { ["parameters"] = new JsonObject { ["colour"] = "red" } }, "parameters.colour"),
                     (new JsonObject { ["logicalDate"] = "2099-01-01T00:00:00Z" }, "logicalDate"),
                     (new JsonObject { ["intervalStart"] = "2026-10-01T00:00:00Z" }, "intervalEnd"),
                 })
        {
            var response = await h.Client.PostAsJsonAsync($"/api/v1/schedules/{scheduleId}/trigger", bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains($"\"{field}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Single(await ExecutionsAsync(h, scheduleId));
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject node, Action<JsonObject> change)
    {
        change(node);
        return node;
    }
}
