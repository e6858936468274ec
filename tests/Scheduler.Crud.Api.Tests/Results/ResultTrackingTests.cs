using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests.Results;

/// <summary>
/// Result tracking through the real API (on a socket), a real executor and WaitEcho as a worker that reports back over HTTP,
/// all on one fake clock: success with heartbeats, failure then retry, silence and run timeouts, late and duplicate reports,
/// cancellation.
/// </summary>
public class ResultTrackingTests
{
    private static readonly string[] FailedOrRetrying = ["failed", "pending"];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    internal static async Task<(ApiHarness H, string ScheduleId)> StartAsync(string completion, string work, int maxAttempts = 3, string timing = "\"manual\": true")
    {
        var h = await ApiHarness.StartAsync(kestrel: true);
        var schedule = await h.CreateAsync(JsonNode.Parse($$"""
            { "name": "tracked", {{timing}}, "maxAttempts": {{maxAttempts}}, "completion": {{completion}},
              "target": { "type": "webhook", "url": "{{(work.StartsWith("echo", StringComparison.Ordinal) ? h.Echo.EchoUrl(work[4..].TrimStart('?')) : h.Echo.WorkUrl(work))}}" } }
            """)!.AsObject());
        return (h, (string)schedule["id"]!);
    }

    internal static async Task<string> TriggerAsync(ApiHarness h, string scheduleId)
    {
        var execution = await h.PostAsync($"/api/v1/schedules/{scheduleId}/trigger", HttpStatusCode.Accepted);
        Assert.Equal(1, await h.Executor.DrainAsync());
        return (string)execution["id"]!;
    }

    internal static async Task<JsonObject> ExecutionAsync(ApiHarness h, string id) => await h.GetAsync($"/api/v1/executions/{id}");

    internal static async Task<JsonObject> WaitForStatusAsync(ApiHarness h, string id, string status)
    {
        JsonObject? execution = null;
        await WaitFor.ConditionAsync(async () => (string?)(execution = await ExecutionAsync(h, id))["status"] == status, Patience,
            $"execution {id} to be {status}", async () => (await ExecutionAsync(h, id)).ToJsonString());
        return execution!;
    }

    /// <summary>Waits until the worker's failure of attempt 1 is recorded (the execution is then failed, or already pending its retry).</summary>
    internal static async Task<JsonObject> WaitForFailedRunAsync(ApiHarness h, string id)
    {
        JsonObject? execution = null;
        // Until the first attempt is recorded its list is empty (and JsonArray's indexer throws rather than answer null).
        await WaitFor.ConditionAsync(async () => (execution = await ExecutionAsync(h, id))["attempts"]!.AsArray() is [{ } first, ..] && (string?)first["runStatus"] == "failed", Patience,
            $"the run of {id} to fail", async () => (await ExecutionAsync(h, id)).ToJsonString());
        return execution!;
    }

    internal static Task WaitForReportsAsync(ApiHarness h, string id, int count) =>
        WaitFor.ConditionAsync(async () => (await h.Echo.ReportsAsync(id)).Count >= count, Patience, $"{count} reports on {id}",
            async () => string.Join("\n", await h.Echo.ReportsAsync(id)));

    [Fact]
    public async Task A_run_lives_until_its_worker_reports_success_and_heartbeats_keep_a_long_run_alive()
    {
        var (h, scheduleId) = await StartAsync("""{ "runTimeout": "2m", "heartbeatTimeout": "20s" }""", "for=50s&heartbeat=15s");
        await using var _ = h;
        var schedule = await h.GetAsync($"/api/v1/schedules/{scheduleId}");
        Assert.Equal("PT2M", (string)schedule["completion"]!["runTimeout"]!);
        Assert.Equal("allow", (string)schedule["completion"]!["overlap"]!);

        var id = await TriggerAsync(h, scheduleId);
        // The first heartbeat comes at once: running, with the code that runs and where its logs are.
        var running = await WaitForStatusAsync(h, id, "running");
        Assert.NotNull((string?)running["run"]!["codeVersion"]);
        Assert.Contains($"executionId={id}", (string)running["run"]!["logsUrl"]!, StringComparison.Ordinal);
        Assert.Equal(0, (double)running["run"]!["progress"]!);
        var trigger = Assert.Single(await h.Echo.ReceivedAsync(scheduleId));
        Assert.EndsWith($"/api/v1/executions/{id}/attempts/1/report", trigger.Headers["scheduleman-callback-url"], StringComparison.Ordinal);
        Assert.StartsWith("smr_", trigger.Headers["scheduleman-report-token"], StringComparison.Ordinal);
        Assert.Contains("\"reportToken\":\"smr_", trigger.Body, StringComparison.Ordinal);

        var inProgress = Assert.Single((await h.GetAsync("/api/v1/stats?window=1h"))["runsInProgress"]!.AsArray())!;
        Assert.Equal(id, (string)inProgress["executionId"]!);
        Assert.False((bool)inProgress["slow"]!);

        // 50 s of work is longer than the 20 s heartbeat timeout: the heartbeats every 15 s keep it alive.
        for (var report = 2; report <= 4; report++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(15));
            await WaitForReportsAsync(h, id, report);
            Assert.Equal(0, await h.Executor.DrainAsync());
            Assert.Equal("running", (string)(await ExecutionAsync(h, id))["status"]!);
        }
        h.Time.Advance(TimeSpan.FromSeconds(5));
        var done = await WaitForStatusAsync(h, id, "succeeded");
        Assert.Equal("waitecho", (string)done["run"]!["output"]!["worker"]!);
        Assert.Equal(50_000, (double)done["run"]!["durationMs"]!, 1.0);
        Assert.NotNull(done["completedAt"]);
        var attempt = Assert.Single(done["attempts"]!.AsArray())!;
        Assert.Equal("succeeded", (string)attempt["runStatus"]!);
        Assert.Equal(50_000, (double)attempt["runDurationMs"]!, 1.0);
        Assert.NotNull((string?)attempt["codeVersion"]);
        Assert.Equal(0, await h.Executor.DrainAsync());

        var stats = await h.GetAsync("/api/v1/stats?window=1h");
        var runs = Assert.Single(stats["runs"]!.AsArray())!;
        Assert.Equal((1, 1, 0), ((int)runs["runs"]!, (int)runs["succeeded"]!, (int)runs["timedOut"]!));
        Assert.Equal(50_000, (double)runs["p50DurationMs"]!, 1.0);
        Assert.Empty(stats["runsInProgress"]!.AsArray());
    }

    [Fact]
    public async Task A_failed_run_is_retried_as_a_new_attempt_and_then_succeeds()
    {
        var (h, scheduleId) = await StartAsync("""{ "runTimeout": "1m" }""", "failFirst=1");
        await using var _ = h;
        var id = await TriggerAsync(h, scheduleId);
        var failed = await WaitForFailedRunAsync(h, id);
        Assert.Contains((string)failed["status"]!, FailedOrRetrying);
        Assert.Contains("told to fail", (string)failed["lastError"]!, StringComparison.Ordinal);

        // The next claim applies the retry policy (1 s initial backoff here).
        Assert.Equal(0, await h.Executor.DrainAsync());
        var pending = await ExecutionAsync(h, id);
        Assert.Equal("pending", (string)pending["status"]!);
        Assert.Equal("failed", (string)pending["attempts"]![0]!["runStatus"]!);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await h.Executor.DrainAsync());
        var done = await WaitForStatusAsync(h, id, "succeeded");
        Assert.Equal(2, (int)done["attempt"]!);
        Assert.Equal(["failed", "succeeded"], done["attempts"]!.AsArray().Select(a => (string)a!["runStatus"]!));
        Assert.Equal(2, (int)done["run"]!["output"]!["attempt"]!);
    }

    [Fact]
    public async Task A_worker_that_goes_silent_is_dead_lettered_as_such_and_a_redrive_runs_it_again()
    {
        var (h, scheduleId) = await StartAsync("""{ "runTimeout": "10m", "heartbeatTimeout": "30s" }""", "silent=true", maxAttempts: 1);
        await using var _ = h;
        var id = await TriggerAsync(h, scheduleId);
        var delivered = await ExecutionAsync(h, id);
        Assert.Equal("delivered", (string)delivered["status"]!);
        Assert.Equal(DateTimeOffset.Parse((string)delivered["run"]!["deliveredAt"]!, System.Globalization.CultureInfo.InvariantCulture).AddSeconds(30),
            DateTimeOffset.Parse((string)delivered["run"]!["deadline"]!, System.Globalization.CultureInfo.InvariantCulture));

        h.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await h.Executor.DrainAsync());
        Assert.Equal("delivered", (string)(await ExecutionAsync(h, id))["status"]!);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await h.Executor.DrainAsync());
        var dead = await ExecutionAsync(h, id);
        Assert.Equal("dead", (string)dead["status"]!);
        Assert.Equal("worker-silent", (string)dead["endReason"]!);
        Assert.Equal("worker-silent", (string)dead["attempts"]![0]!["runStatus"]!);
        Assert.Contains(id, (await h.GetAsync("/api/v1/executions?status=dead"))["items"]!.AsArray().Select(e => (string)e!["id"]!));

        await h.PostAsync($"/api/v1/executions/{id}/redrive");
        Assert.Equal(1, await h.Executor.DrainAsync());
        var again = await ExecutionAsync(h, id);
        Assert.Equal("delivered", (string)again["status"]!);
        Assert.Equal(2, (int)again["attempt"]!);
        Assert.Null(again["endReason"]);
    }

    [Fact]
    public async Task A_run_past_its_timeout_ends_and_a_late_report_is_kept_without_bringing_it_back()
    {
        var (h, scheduleId) = await StartAsync("""{ "runTimeout": "1m", "heartbeatTimeout": "30s" }""", "for=90s&heartbeat=20s", maxAttempts: 1);
        await using var _ = h;
        var id = await TriggerAsync(h, scheduleId);
        await WaitForStatusAsync(h, id, "running");
        for (var report = 2; report <= 3; report++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(20));
            await WaitForReportsAsync(h, id, report);
        }
        h.Time.Advance(TimeSpan.FromSeconds(21));
        await WaitForReportsAsync(h, id, 4);
        Assert.Equal(0, await h.Executor.DrainAsync());
        var dead = await ExecutionAsync(h, id);
        Assert.Equal("dead", (string)dead["status"]!);
        Assert.Equal("timed-out", (string)dead["endReason"]!);
        Assert.Contains("run timeout (PT1M)", (string)dead["lastError"]!, StringComparison.Ordinal);

        // The worker finishes at 90 s and reports success: 409, kept with the attempt, the run stays dead.
        h.Time.Advance(TimeSpan.FromSeconds(30));
        await WaitForReportsAsync(h, id, 5);
        var reports = await h.Echo.ReportsAsync(id);
        Assert.Equal(409, reports[^1].ResponseStatus);
        var after = await ExecutionAsync(h, id);
        Assert.Equal("dead", (string)after["status"]!);
        Assert.StartsWith("succeeded reported at", (string)after["attempts"]![0]!["lateReport"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_run_hears_it_in_the_answer_to_its_next_heartbeat_and_ends_cancelled()
    {
        var (h, scheduleId) = await StartAsync("""{ "runTimeout": "10m", "heartbeatTimeout": "1m" }""", "for=5m&heartbeat=10s");
        await using var _ = h;
        var id = await TriggerAsync(h, scheduleId);
        await WaitForStatusAsync(h, id, "running");
        var cancelling = await h.PostAsync($"/api/v1/executions/{id}/cancel");
        Assert.Equal("cancelling", (string)cancelling["status"]!);
        Assert.NotNull(cancelling["run"]!["cancelRequestedAt"]);

        h.Time.Advance(TimeSpan.FromSeconds(10));
        var cancelled = await WaitForStatusAsync(h, id, "cancelled");
        var reports = await h.Echo.ReportsAsync(id);
        Assert.True(reports[^2].Cancel, string.Join("\n", reports));
        Assert.Equal("cancelled", reports[^1].Status);
        Assert.Equal("cancelled", (string)cancelled["attempts"]![0]!["runStatus"]!);
        // Not retried, and a second cancel is refused: it has finished.
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await h.Executor.DrainAsync());
        var again = await h.Client.PostAsync($"/api/v1/executions/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_worker_that_ignores_the_cancel_times_out_as_usual_and_ends_cancelled_not_retried()
    {
        var (h, scheduleId) = await StartAsync("""{ "runTimeout": "1m" }""", "for=5m&heartbeat=20s&ignoreCancel=true");
        await using var _ = h;
        var id = await TriggerAsync(h, scheduleId);
        await WaitForStatusAsync(h, id, "running");
        await h.PostAsync($"/api/v1/executions/{id}/cancel");
        for (var report = 2; report <= 4; report++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(20));
            await WaitForReportsAsync(h, id, report);
            Assert.True((await h.Echo.ReportsAsync(id))[^1].Cancel);
        }
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, await h.Executor.DrainAsync());
        var ended = await ExecutionAsync(h, id);
        Assert.Equal("cancelled", (string)ended["status"]!);
        Assert.Equal("timed-out", (string)ended["endReason"]!);
        Assert.Equal(1, (int)ended["attempt"]!);
    }

    [Fact]
    public async Task Cancelling_an_execution_waiting_for_its_retry_ends_it_at_once()
    {
        var (h, scheduleId) = await StartAsync("""{ "runTimeout": "1m" }""", "outcome=fail");
        await using var _ = h;
        var id = await TriggerAsync(h, scheduleId);
        await WaitForFailedRunAsync(h, id);
        Assert.Equal(0, await h.Executor.DrainAsync());
        Assert.Equal("pending", (string)(await ExecutionAsync(h, id))["status"]!);
        Assert.Equal("cancelled", (string)(await h.PostAsync($"/api/v1/executions/{id}/cancel"))["status"]!);
        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, await h.Executor.DrainAsync());
        Assert.Equal("cancelled", (string)(await ExecutionAsync(h, id))["status"]!);
    }

    [Fact]
    public async Task Schedules_without_completion_end_at_delivery_as_before_and_refuse_reports()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var schedule = await h.CreateAsync(h.Webhook("untracked", "\"manual\": true"));
        var id = await TriggerAsync(h, (string)schedule["id"]!);
        var execution = await ExecutionAsync(h, id);
        Assert.Equal("succeeded", (string)execution["status"]!);
        Assert.Null(execution["run"]);
        var trigger = Assert.Single(await h.Echo.ReceivedAsync((string)schedule["id"]!));
        Assert.False(trigger.Headers.ContainsKey("scheduleman-callback-url"));
        Assert.DoesNotContain("reportToken", trigger.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_far_over_its_schedules_usual_duration_is_flagged_slow_in_the_statistics()
    {
        var (h, scheduleId) = await StartAsync("""{ "runTimeout": "1h" }""", "for=10s");
        await using var _ = h;
        for (var i = 0; i < 5; i++)
        {
            var id = await TriggerAsync(h, scheduleId);
            await WaitForStatusAsync(h, id, "delivered");
            h.Time.Advance(TimeSpan.FromSeconds(10));
            await WaitForStatusAsync(h, id, "succeeded");
        }
        // The same schedule, now pointed at a worker that takes five minutes: slow once past twice the usual 10 s.
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/schedules/{scheduleId}")
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["name"] = "tracked", ["manual"] = true, ["completion"] = new JsonObject { ["runTimeout"] = "1h" },
                ["target"] = new JsonObject { ["type"] = "webhook", ["url"] = h.Echo.WorkUrl("for=5m") },
            }),
        };
        Assert.Equal(HttpStatusCode.OK, (await h.Client.SendAsync(put)).StatusCode);
        var slow = await TriggerAsync(h, scheduleId);
        h.Time.Advance(TimeSpan.FromSeconds(15));
        var notYet = Assert.Single((await h.GetAsync("/api/v1/stats?window=1h"))["runsInProgress"]!.AsArray())!;
        Assert.Equal((slow, false), ((string)notYet["executionId"]!, (bool)notYet["slow"]!));
        Assert.Equal(10_000, (double)notYet["usualP95Ms"]!, 1.0);
        h.Time.Advance(TimeSpan.FromSeconds(10));
        var flagged = Assert.Single((await h.GetAsync("/api/v1/stats?window=1h"))["runsInProgress"]!.AsArray())!;
        Assert.True((bool)flagged["slow"]!);
        Assert.Equal(25_000, (double)flagged["runningMs"]!, 1.0);
    }

    [Fact]
    public async Task A_kafka_worker_reports_over_http_with_the_callback_in_the_message_headers()
    {
        using var kafka = Scheduler.WaitEcho.Kafka.MockKafkaCluster.Start();
        await using var h = await ApiHarness.StartAsync(kestrel: true, kafka: kafka.BootstrapServers);
        var schedule = await h.CreateAsync(JsonNode.Parse("""
            { "name": "kafka-tracked", "manual": true, "completion": { "runTimeout": "1m" },
              "target": { "type": "kafka", "topic": "triggers", "value": { "work": { "outcome": "succeed" } } } }
            """)!.AsObject());
        var id = await TriggerAsync(h, (string)schedule["id"]!);
        var done = await WaitForStatusAsync(h, id, "succeeded");
        Assert.Equal("waitecho", (string)done["run"]!["output"]!["worker"]!);
        var message = Assert.Single(await h.Echo.ReceivedAsync((string)schedule["id"]!));
        Assert.Equal("kafka", message.Transport);
        Assert.StartsWith("smr_", message.Headers["scheduleman-report-token"], StringComparison.Ordinal);
    }
}
