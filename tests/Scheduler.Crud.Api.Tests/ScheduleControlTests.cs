using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests;

/// <summary>What the control endpoints do, seen through a real executor firing at WaitEcho.</summary>
public class ScheduleControlTests
{
    [Fact]
    public async Task Pause_stops_firing_and_resume_fires_again_from_now_without_a_catch_up()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(h.Webhook("every-2s", "\"cron\": \"*/2 * * * * *\""));
        var id = (string)schedule["id"]!;
        h.AdvanceTo(schedule["nextFireAt"]);
        Assert.Equal(1, await h.Executor.DrainAsync());

        var paused = await h.PostAsync($"/api/v1/schedules/{id}/pause");
        Assert.Equal(("paused", null), ((string?)paused["state"], paused["nextFireAt"]));
        h.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await h.Executor.DrainAsync());

        var resumed = await h.PostAsync($"/api/v1/schedules/{id}/resume");
        Assert.Equal("active", (string?)resumed["state"]);
        h.AdvanceTo(resumed["nextFireAt"]);
        Assert.Equal(1, await h.Executor.DrainAsync());

        var history = await h.GetAsync($"/api/v1/schedules/{id}/executions");
        Assert.Equal(["schedule", "schedule"], history["items"]!.AsArray().Select(e => (string)e!["origin"]!));
        Assert.Equal(2, (await h.Echo.ReceivedAsync(id)).Count);
    }

    [Fact]
    public async Task Trigger_fires_now_as_its_own_execution()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(h.Webhook("daily", "\"cron\": \"0 0 3 * * *\""));
        var id = (string)schedule["id"]!;

        var execution = await h.PostAsync($"/api/v1/schedules/{id}/trigger", HttpStatusCode.Accepted);
        Assert.Equal(("manual", "pending"), ((string?)execution["origin"], (string?)execution["status"]));
        Assert.Equal(1, await h.Executor.DrainAsync());

        var received = Assert.Single(await h.Echo.ReceivedAsync(id));
        Assert.Equal((string?)execution["id"], received.ExecutionId);
        var done = await h.GetAsync($"/api/v1/executions/{execution["id"]}");
        Assert.Equal(("succeeded", 1), ((string?)done["status"], (int)done["attempt"]!));
        Assert.Equal(schedule["nextFireAt"]!.ToJsonString(), (await h.GetAsync($"/api/v1/schedules/{id}"))["nextFireAt"]!.ToJsonString());
    }

    [Fact]
    public async Task Trigger_at_the_instant_an_occurrence_already_holds_is_its_own_execution()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(h.Webhook("every-2s-busy", "\"cron\": \"*/2 * * * * *\""));
        var id = (string)schedule["id"]!;
        h.AdvanceTo(schedule["nextFireAt"]);
        Assert.Equal(1, await h.Executor.DrainAsync());
        // The clock has not moved: the manual executions are for the very instant the occurrence has, and are executions of their own
        // (manual runs are not occurrences, so they neither take nor block one).
        var first = await h.PostAsync($"/api/v1/schedules/{id}/trigger", HttpStatusCode.Accepted);
        var second = await h.PostAsync($"/api/v1/schedules/{id}/trigger", HttpStatusCode.Accepted);
        Assert.Equal((DateTimeOffset)schedule["nextFireAt"]!, (DateTimeOffset)first["scheduledFor"]!);
        Assert.Equal((string?)first["scheduledFor"], (string?)second["scheduledFor"]);
        Assert.NotEqual((string?)first["id"], (string?)second["id"]);
        Assert.Equal(2, await h.Executor.DrainAsync());
        Assert.Equal(3, (await h.Echo.ReceivedAsync(id)).Select(r => r.ExecutionId).Distinct().Count());
    }

    [Fact]
    public async Task Dead_letter_redriven_after_fixing_the_target_is_delivered_with_the_same_execution_id()
    {
        await using var h = await ApiHarness.StartAsync();
        var body = h.Webhook("broken", "\"delay\": \"1s\"", "fail=500");
        body["maxAttempts"] = 1;
        var schedule = await h.CreateAsync(body);
        var id = (string)schedule["id"]!;
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await h.Executor.DrainAsync());

        var dead = Assert.Single((await h.GetAsync("/api/v1/executions?status=dead"))["items"]!.AsArray())!;
        Assert.Equal((id, 500), ((string?)dead["scheduleId"], (int)dead["lastStatusCode"]!));

        // Fix the target (the schedule itself is done: a replace with a later delay keeps it alive too).
        body["target"]!["url"] = h.Echo.EchoUrl();
        body["delay"] = "1h";
        Assert.Equal(HttpStatusCode.OK, (await h.Client.PutAsJsonAsync($"/api/v1/schedules/{id}", body)).StatusCode);
        var redriven = await h.PostAsync($"/api/v1/executions/{dead["id"]}/redrive");
        Assert.Equal(("pending", dead["id"]!.ToString()), ((string?)redriven["status"], redriven["id"]!.ToString()));
        Assert.Equal(1, await h.Executor.DrainAsync());

        var received = await h.Echo.ReceivedAsync(id);
        Assert.Equal([500, 200], received.Select(r => r.ResponseStatus));
        Assert.All(received, r => Assert.Equal((string?)dead["id"], r.ExecutionId));
        var detail = await h.GetAsync($"/api/v1/executions/{dead["id"]}");
        Assert.Equal("succeeded", (string?)detail["status"]);
        Assert.Equal([("failed", 500), ("succeeded", 200)],
            detail["attempts"]!.AsArray().Select(a => ((string)a!["outcome"]!, (int)a["statusCode"]!)));
        await h.PostAsync($"/api/v1/executions/{dead["id"]}/redrive", HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Bulk_redrive_requeues_every_dead_letter_of_a_schedule()
    {
        await using var h = await ApiHarness.StartAsync();
        var body = h.Webhook("flaky-every-2s", "\"cron\": \"*/2 * * * * *\"", "failFirst=1&fail=503");
        body["maxAttempts"] = 1;
        var schedule = await h.CreateAsync(body);
        var id = (string)schedule["id"]!;
        for (var i = 0; i < 3; i++)
        {
            h.AdvanceTo((await h.GetAsync($"/api/v1/schedules/{id}"))["nextFireAt"]);
            await h.Executor.DrainAsync();
        }
        await h.PostAsync($"/api/v1/schedules/{id}/pause");
        Assert.Equal(3, (await h.GetAsync($"/api/v1/executions?status=dead&scheduleId={id}"))["items"]!.AsArray().Count);

        var result = await h.PostAsync($"/api/v1/schedules/{id}/executions/redrive");
        Assert.Equal(3, (int)result["redriven"]!);
        Assert.Equal(3, await h.Executor.DrainAsync());
        Assert.Empty((await h.GetAsync($"/api/v1/executions?status=dead&scheduleId={id}"))["items"]!.AsArray());
        Assert.Equal(3, (await h.GetAsync($"/api/v1/executions?status=succeeded&scheduleId={id}"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task If_match_with_a_stale_etag_is_412_and_changes_nothing()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(h.Webhook("contended", "\"cron\": \"0 0 9 * * *\""));
        var url = $"/api/v1/schedules/{schedule["id"]}";
        var read = await h.Client.GetAsync(url);
        var etag = read.Headers.ETag!;
        Assert.Equal("\"1\"", etag.Tag);

        // Someone else changes it first.
        var theirs = h.Webhook("contended", "\"cron\": \"0 0 10 * * *\"");
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Put, url, theirs, etag)).StatusCode);

        var mine = h.Webhook("contended", "\"cron\": \"0 0 11 * * *\"");
        var lost = await Send(HttpMethod.Put, url, mine, etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, lost.StatusCode);
        Assert.Equal("application/problem+json", lost.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Send(HttpMethod.Delete, url, null, etag)).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Send(HttpMethod.Post, url + "/pause", null, etag)).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Send(HttpMethod.Put, url, mine, new EntityTagHeaderValue("\"not-a-version\""))).StatusCode);

        var current = await h.Client.GetAsync(url);
        Assert.Equal("\"2\"", current.Headers.ETag!.Tag);
        Assert.Equal("0 0 10 * * *", (string?)(await current.Content.ReadFromJsonAsync<JsonObject>())!["cron"]);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Put, url, mine, current.Headers.ETag)).StatusCode);

        async Task<HttpResponseMessage> Send(HttpMethod method, string target, JsonObject? json, EntityTagHeaderValue ifMatch)
        {
            using var request = new HttpRequestMessage(method, target) { Content = json is null ? null : JsonContent.Create(json) };
            request.Headers.IfMatch.Add(ifMatch);
            return await h.Client.SendAsync(request);
        }
    }

    [Fact]
    public async Task Replace_reschedules_from_now()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(h.Webhook("moving", "\"runAt\": \"" + h.Time.GetUtcNow().AddHours(5).ToString("O") + "\""));
        var replaced = await h.Client.PutAsJsonAsync($"/api/v1/schedules/{schedule["id"]}", h.Webhook("moving", "\"delay\": \"10m\""));
        var body = (await replaced.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(h.Time.GetUtcNow().AddMinutes(10), DateTimeOffset.Parse((string)body["nextFireAt"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((2, "delay"), ((int)body["version"]!, (string?)body["kind"]));
    }

    [Fact]
    public async Task Next_and_preview_give_fire_times_and_words()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(h.Webhook("report", "\"cron\": \"0 0 17 * * MON-FRI\", \"timeZone\": \"Europe/London\""));
        var next = await h.GetAsync($"/api/v1/schedules/{schedule["id"]}/next?count=7");
        var times = next["fireTimes"]!.AsArray().Select(t => DateTimeOffset.Parse((string)t!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(7, times.Count);
        Assert.Equal(times.Order(), times);
        Assert.All(times, t => Assert.InRange(TimeZoneInfo.ConvertTime(t, TimeZoneInfo.FindSystemTimeZoneById("Europe/London")).DayOfWeek, DayOfWeek.Monday, DayOfWeek.Friday));
        Assert.Equal("at 17:00, Monday through Friday, Europe/London", (string?)next["description"]);

        var preview = await h.Client.PostAsJsonAsync("/api/v1/preview", new { cron = "*/15 * * * *", count = 3 });
        var previewed = (await preview.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("every 15 minutes, UTC", (string?)previewed["description"]);
        Assert.Equal(3, previewed["fireTimes"]!.AsArray().Count);
    }
}
