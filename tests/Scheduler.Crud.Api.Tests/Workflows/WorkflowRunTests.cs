using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests.Workflows;

/// <summary>
/// Workflows through the real API (on a socket), a real executor and WaitEcho as the workers that report back: a diamond
/// with upstream outputs in the triggers, a fan-out of 100 and its fan-in, a failure and a resume after the fix, reruns
/// (alone, downstream, and the rerun-with-downstream rule), maxActiveRuns, a run started by a schedule.
/// </summary>
public class WorkflowRunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    internal static string Step(ApiHarness h, string id, string dependsOn = "", string work = "for=0s", string extra = "") => $$"""
        { "id": "{{id}}", "dependsOn": [{{dependsOn}}], "maxAttempts": 1, {{extra}}
          "target": { "type": "webhook", "url": "{{h.Echo.WorkUrl(work)}}" } }
        """;

    internal static async Task<string> CreateAsync(ApiHarness h, string name, string steps, string extra = "")
    {
        var response = await h.Client.PostAsync("/api/v1/workflows", JsonContent.Create(JsonNode.Parse($$"""
            { "name": "{{name}}", {{extra}} "steps": [{{steps}}] }
            """)));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    internal static async Task<JsonObject> RunAsync(ApiHarness h, string workflowId, string body = "{}")
    {
        var response = await h.Client.PostAsync($"/api/v1/workflows/{workflowId}/runs", JsonContent.Create(JsonNode.Parse(body)));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    internal static Task<JsonObject> GetRunAsync(ApiHarness h, string runId) => h.GetAsync($"/api/v1/workflow-runs/{runId}");

    /// <summary>Lets the executor deliver what is due until the run ends (workers report asynchronously, so it polls).</summary>
    /// <param name="tick">Moves the fake clock on by this much each time round (for workers that heartbeat).</param>
    internal static async Task<JsonObject> FinishAsync(ApiHarness h, string runId, TimeSpan? tick = null)
    {
        JsonObject? run = null;
        await WaitFor.ConditionAsync(async () =>
        {
            if (tick is { } by)
            {
                h.Time.Advance(by);
            }
            await h.Executor.DrainAsync();
            run = await GetRunAsync(h, runId);
            return (string?)run["status"] is "succeeded" or "failed" or "cancelled";
        }, Patience, $"run {runId} to finish", async () => (await GetRunAsync(h, runId)).ToJsonString());
        return run!;
    }

    internal static Dictionary<string, JsonNode> Steps(JsonObject run) =>
        run["steps"]!.AsArray().ToDictionary(s => (string)s!["stepId"]!, s => s!);

    private static string Status(JsonObject run, string step) => (string)Steps(run)[step]["status"]!;

    [Fact]
    public async Task A_diamond_runs_its_branches_in_parallel_and_its_last_step_gets_both_outputs_run_id_step_id_and_parameters()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var id = await CreateAsync(h, "etl", string.Join(",",
            Step(h, "extract"), Step(h, "transform", "\"extract\""), Step(h, "validate", "\"extract\""), Step(h, "publish", "\"transform\", \"validate\"")));
        var started = await RunAsync(h, id, """{ "parameters": { "day": "2026-11-30" } }""");
        var runId = (string)started["id"]!;
        Assert.Equal("running", (string)started["status"]!);
        Assert.StartsWith("sha256:", (string)started["definitionHash"]!, StringComparison.Ordinal);

        // Only the root exists at first; transform and validate both exist once it has succeeded (before either ran).
        var first = await GetRunAsync(h, runId);
        Assert.Equal("pending", Status(first, "extract"));
        Assert.Equal("waiting", Status(first, "transform"));
        await WaitFor.ConditionAsync(async () =>
        {
            await h.Executor.DrainAsync();
            var now = await GetRunAsync(h, runId);
            return Status(now, "extract") == "succeeded" && Status(now, "transform") != "waiting" && Status(now, "validate") != "waiting";
        }, Patience, "both branches to start");

        var run = await FinishAsync(h, runId);
        Assert.Equal("succeeded", (string)run["status"]!);
        Assert.All(Steps(run).Values, s => Assert.Equal("succeeded", (string)s["status"]!));
        var steps = Steps(run);
        var publish = (await h.Echo.ReceivedAsync()).Single(t => t.Headers.GetValueOrDefault("scheduleman-step-id") == "publish");
        Assert.Equal(runId, publish.Headers["scheduleman-workflow-run-id"]);
        var data = JsonNode.Parse(publish.Body)!["data"]!["workflow"]!;
        Assert.Equal(runId, (string)data["runId"]!);
        Assert.Equal("publish", (string)data["stepId"]!);
        Assert.Equal("2026-11-30", (string)data["parameters"]!["day"]!);
        Assert.Equal("waitecho", (string)data["upstream"]!["transform"]!["worker"]!);
        Assert.Equal("waitecho", (string)data["upstream"]!["validate"]!["worker"]!);
        Assert.Null(data["upstream"]!["extract"]);
        // publish started only after both of its upstream steps ended.
        var publishStarted = (DateTimeOffset)steps["publish"]["startedAt"]!;
        Assert.True(publishStarted >= (DateTimeOffset)steps["transform"]["finishedAt"]! && publishStarted >= (DateTimeOffset)steps["validate"]["finishedAt"]!);

        // Statistics count each step as a job of its own, named workflow/step.
        var stats = await h.GetAsync("/api/v1/stats?window=1h");
        var transform = Assert.Single(stats["schedules"]!.AsArray(), s => (string)s!["scheduleName"]! == "etl/transform")!;
        Assert.Null(transform["scheduleId"]);
        Assert.Equal(4, stats["runs"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_fan_out_of_a_hundred_steps_and_its_fan_in_run_each_step_exactly_once()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var fan = Enumerable.Range(1, 100).Select(i => Step(h, $"part-{i}", "\"split\"")).ToList();
        var id = await CreateAsync(h, "fan", string.Join(",", [Step(h, "split"), .. fan,
            Step(h, "merge", string.Join(", ", Enumerable.Range(1, 100).Select(i => $"\"part-{i}\"")))]));
        var run = await FinishAsync(h, (string)(await RunAsync(h, id))["id"]!);

        Assert.Equal("succeeded", (string)run["status"]!);
        Assert.Equal(102, run["executions"]!.AsArray().Count);
        var received = (await h.Echo.ReceivedAsync()).Where(t => t.Headers.ContainsKey("scheduleman-step-id")).ToList();
        Assert.Equal(102, received.Select(t => t.ExecutionId).Distinct().Count());
        Assert.Equal(102, received.Select(t => t.Headers["scheduleman-step-id"]).Distinct().Count());
        var merge = JsonNode.Parse(received.Single(t => t.Headers["scheduleman-step-id"] == "merge").Body)!["data"]!["workflow"]!;
        Assert.Equal(100, merge["upstream"]!.AsObject().Count);
    }

    [Fact]
    public async Task A_failed_step_marks_what_depends_on_it_not_run_and_a_resume_after_the_fix_runs_only_what_did_not_succeed()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        await h.Echo.SetFlagAsync("bug", raised: true);
        var id = await CreateAsync(h, "buggy", string.Join(",",
            Step(h, "extract"), Step(h, "transform", "\"extract\"", "for=0s&failWhile=bug"), Step(h, "validate", "\"extract\""),
            Step(h, "publish", "\"transform\", \"validate\""), Step(h, "notify", "\"publish\""),
            Step(h, "cleanup", "\"publish\"", extra: "\"triggerRule\": \"allDone\",")));
        var runId = (string)(await RunAsync(h, id))["id"]!;
        var failed = await FinishAsync(h, runId);

        Assert.Equal("failed", (string)failed["status"]!);
        Assert.Equal("dead", Status(failed, "transform"));
        Assert.Equal("worker-failed", (string)Steps(failed)["transform"]["endReason"]!);
        Assert.Equal("succeeded", Status(failed, "validate"));
        Assert.Equal("skipped", Status(failed, "publish"));
        Assert.Equal("upstream-failed", (string)Steps(failed)["publish"]["endReason"]!);
        Assert.Equal("upstream-failed", (string)Steps(failed)["notify"]["endReason"]!);
        // allDone: runs after its upstream ended, however it ended.
        Assert.Equal("succeeded", Status(failed, "cleanup"));
        var triggered = (await h.Echo.ReceivedAsync()).Count;

        // The fix is deployed; resume runs transform, publish and notify — not extract, validate or cleanup again.
        await h.Echo.SetFlagAsync("bug", raised: false);
        var resumed = await h.PostAsync($"/api/v1/workflow-runs/{runId}/resume");
        Assert.Equal(2, (int)resumed["attempt"]!);
        var run = await FinishAsync(h, runId);
        Assert.Equal("succeeded", (string)run["status"]!);
        var attempt = run["attempts"]!.AsArray()[1]!;
        Assert.Equal("resume", (string)attempt["kind"]!);
        Assert.Equal(["transform", "publish", "notify"], attempt["steps"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(3, (await h.Echo.ReceivedAsync()).Count - triggered);
        // History kept: the failed attempt's executions are still there, beside the new ones.
        Assert.Equal(9, run["executions"]!.AsArray().Count);
        Assert.Equal(1, (int)Steps(run)["extract"]["runAttempt"]!);
        Assert.Equal(2, (int)Steps(run)["transform"]["runAttempt"]!);

        var again = await h.Client.PostAsync($"/api/v1/workflow-runs/{runId}/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_step_whose_delivery_dead_letters_or_whose_worker_goes_silent_ends_its_downstream_in_the_executors_transaction()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        // Delivery fails (500, one attempt): the executors' outcome write dead-letters it and moves the run on.
        var undeliverable = $$"""{ "id": "call", "maxAttempts": 1, "target": { "type": "webhook", "url": "{{h.Echo.EchoUrl("fail=500")}}" } }""";
        var first = await CreateAsync(h, "undeliverable", undeliverable + "," + Step(h, "after", "\"call\""));
        var run = await FinishAsync(h, (string)(await RunAsync(h, first))["id"]!);
        Assert.Equal("failed", (string)run["status"]!);
        Assert.Equal("delivery-failed", (string)Steps(run)["call"]["endReason"]!);
        Assert.Equal("upstream-failed", (string)Steps(run)["after"]["endReason"]!);
        var redrive = await h.Client.PostAsync($"/api/v1/executions/{Steps(run)["call"]["executionId"]}/redrive", null);
        Assert.Equal(HttpStatusCode.Conflict, redrive.StatusCode);
        Assert.Contains("/resume", await redrive.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The worker never reports: the claim that finds it past its heartbeat timeout ends it, and the run, at once.
        var silent = $$"""
            { "id": "quiet", "maxAttempts": 1, "completion": { "runTimeout": "1m", "heartbeatTimeout": "5s" },
              "target": { "type": "webhook", "url": "{{h.Echo.WorkUrl("silent=true")}}" } }
            """;
        var second = await CreateAsync(h, "silent", silent + "," + Step(h, "after", "\"quiet\"") + "," +
            Step(h, "cleanup", "\"quiet\"", extra: "\"triggerRule\": \"allDone\","));
        var runId = (string)(await RunAsync(h, second))["id"]!;
        await h.Executor.DrainAsync();
        Assert.Equal("delivered", Status(await GetRunAsync(h, runId), "quiet"));
        h.Time.Advance(TimeSpan.FromSeconds(6));
        run = await FinishAsync(h, runId);
        Assert.Equal("failed", (string)run["status"]!);
        Assert.Equal("worker-silent", (string)Steps(run)["quiet"]["endReason"]!);
        Assert.Equal("upstream-failed", (string)Steps(run)["after"]["endReason"]!);
        Assert.Equal("succeeded", Status(run, "cleanup"));
    }

    [Fact]
    public async Task A_step_whose_executor_is_lost_at_its_last_attempt_ends_dead_and_its_downstream_in_the_claims_transaction()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var workflow = await CreateAsync(h, "poisoned", Step(h, "call") + "," + Step(h, "after", "\"call\"") + "," +
            Step(h, "cleanup", "\"call\"", extra: "\"triggerRule\": \"allDone\","));
        var runId = (string)(await RunAsync(h, workflow))["id"]!;
        // An executor claims the first step (one attempt) and dies before delivering it.
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(h.Api.ConnectionString))
        {
            var store = new Scheduler.Storage.Executions.ExecutionStore(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<Scheduler.Storage.Executions.ExecutionStore>.Instance);
            var claimed = Assert.Single((await store.ClaimAsync(new Scheduler.Storage.Executions.ClaimRequest("lost", h.Time.GetUtcNow(), TimeSpan.Zero, 10,
                TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), CancellationToken.None)).Executions);
            Assert.Equal(1, claimed.Attempt);
        }

        // Past its lease (3 s timeout + 10 s margin) the next claim ends it dead, and the run moves on in that transaction.
        h.Time.Advance(TimeSpan.FromSeconds(13.001));
        var run = await FinishAsync(h, runId);
        Assert.Equal("failed", (string)run["status"]!);
        Assert.Equal("executor-lost", (string)Steps(run)["call"]["endReason"]!);
        Assert.Equal("upstream-failed", (string)Steps(run)["after"]["endReason"]!);
        Assert.Equal("succeeded", Status(run, "cleanup"));
        Assert.DoesNotContain(await h.Echo.ReceivedAsync(), r => r.ExecutionId == (string?)Steps(run)["call"]["executionId"]);
    }

    [Fact]
    public async Task A_kafka_step_carries_its_run_in_the_message_keyed_by_the_run_and_its_worker_report_moves_the_run_on()
    {
        using var kafka = Scheduler.WaitEcho.Kafka.MockKafkaCluster.Start();
        await using var h = await ApiHarness.StartAsync(kestrel: true, kafka: kafka.BootstrapServers);
        var id = await CreateAsync(h, "via-kafka", """{ "id": "produce", "target": { "type": "kafka", "topic": "triggers" } },""" +
            Step(h, "consume", "\"produce\""));
        var runId = (string)(await RunAsync(h, id, """{ "parameters": { "batch": 7 } }"""))["id"]!;
        var run = await FinishAsync(h, runId);

        Assert.Equal("succeeded", (string)run["status"]!);
        var message = (await h.Echo.ReceivedAsync()).Single(t => t.Transport == "kafka");
        Assert.Equal(runId, message.Key);
        Assert.Equal("produce", message.Headers["scheduleman-step-id"]);
        Assert.Equal(runId, message.Headers["scheduleman-workflow-run-id"]);
        var data = JsonNode.Parse(message.Body)!["data"]!;
        Assert.Equal(7, (int)data["workflow"]!["parameters"]!["batch"]!);
        Assert.Null(data["scheduleId"]);
        Assert.Equal($"/scheduleman/workflows/{id}", (string)JsonNode.Parse(message.Body)!["source"]!);
        var consume = (await h.Echo.ReceivedAsync()).Single(t => t.Headers.GetValueOrDefault("scheduleman-step-id") == "consume");
        Assert.Equal("waitecho", (string)JsonNode.Parse(consume.Body)!["data"]!["workflow"]!["upstream"]!["produce"]!["worker"]!);
    }

    [Fact]
    public async Task Rerun_alone_rerun_downstream_and_the_rerun_with_downstream_rule_choose_their_steps_from_the_graph()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        // load is marked: whenever something downstream of it is rerun, it is rerun first.
        var id = await CreateAsync(h, "reruns", string.Join(",",
            Step(h, "load", extra: "\"rerunWithDownstream\": true,"), Step(h, "clean", "\"load\""), Step(h, "report", "\"clean\""), Step(h, "audit")));
        var runId = (string)(await RunAsync(h, id))["id"]!;
        Assert.Equal("succeeded", (string)(await FinishAsync(h, runId))["status"]!);

        var alone = await h.Client.PostAsync($"/api/v1/workflow-runs/{runId}/rerun", JsonContent.Create(new { step = "audit" }));
        Assert.Equal(HttpStatusCode.OK, alone.StatusCode);
        var run = await FinishAsync(h, runId);
        Assert.Equal(["audit"], run["attempts"]!.AsArray()[1]!["steps"]!.AsArray().Select(s => (string)s!));

        await h.PostAsync($"/api/v1/workflow-runs/{runId}/rerun", HttpStatusCode.OK, new { step = "clean", downstream = true });
        run = await FinishAsync(h, runId);
        var third = run["attempts"]!.AsArray()[2]!;
        Assert.Equal("rerunDownstream", (string)third["kind"]!);
        Assert.Equal(["load", "clean", "report"], third["steps"]!.AsArray().Select(s => (string)s!));
        Assert.Equal("succeeded", (string)run["status"]!);
        Assert.Equal(3, (int)Steps(run)["report"]["runAttempt"]!);
        Assert.Equal(2, (int)Steps(run)["audit"]["runAttempt"]!);
        // load ran again before clean, and clean before report: the third attempt's triggers arrived in that order.
        var thirdTriggers = (await h.Echo.ReceivedAsync()).Where(t => (int?)JsonNode.Parse(t.Body)!["data"]!["workflow"]!["runAttempt"] == 3);
        Assert.Equal(["load", "clean", "report"], thirdTriggers.OrderBy(t => t.Sequence).Select(t => t.Headers["scheduleman-step-id"]));
    }

    [Fact]
    public async Task A_run_keeps_the_definition_it_started_with_when_the_workflow_is_edited_and_step_secrets_stay_write_only()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var secretStep = $$"""
            { "id": "call", "dependsOn": ["first"], "target": { "type": "webhook", "url": "{{h.Echo.WorkUrl("v=1")}}", "headers": { "Authorization": "Bearer s3cret" } } }
            """;
        var id = await CreateAsync(h, "versioned", Step(h, "first", work: "for=10s&heartbeat=1s") + "," + secretStep);
        var read = await h.Client.GetAsync($"/api/v1/workflows/{id}");
        var text = await read.Content.ReadAsStringAsync();
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
        var workflow = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("***", (string)workflow["steps"]![1]!["target"]!["headers"]!["Authorization"]!);
        var firstHash = (string)workflow["definitionHash"]!;
        var runId = (string)(await RunAsync(h, id))["id"]!;
        await h.Executor.DrainAsync();

        // Edited while the run is in progress: the call step now goes elsewhere, its secret kept by sending "***" back.
        var edited = JsonNode.Parse($$"""
            { "name": "versioned", "steps": [ {{Step(h, "first", work: "for=10s&heartbeat=1s")}},
              { "id": "call", "dependsOn": ["first"], "target": { "type": "webhook", "url": "{{h.Echo.WorkUrl("v=2")}}", "headers": { "Authorization": "***" } } } ] }
            """);
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/workflows/{id}") { Content = JsonContent.Create(edited) };
        put.Headers.TryAddWithoutValidation("If-Match", read.Headers.ETag!.Tag);
        var replaced = await h.Client.SendAsync(put);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var now = (await replaced.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(2, (int)now["version"]!);
        Assert.NotEqual(firstHash, (string)now["definitionHash"]!);
        var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/workflows/{id}") { Content = JsonContent.Create(edited) };
        stale.Headers.TryAddWithoutValidation("If-Match", read.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await h.Client.SendAsync(stale)).StatusCode);

        var run = await FinishAsync(h, runId, tick: TimeSpan.FromSeconds(1));
        Assert.Equal("succeeded", (string)run["status"]!);
        Assert.Equal(firstHash, (string)run["definitionHash"]!);
        Assert.Equal(1, (int)run["workflowVersion"]!);
        var call = (await h.Echo.ReceivedAsync()).Single(t => t.Headers.GetValueOrDefault("scheduleman-step-id") == "call");
        Assert.Equal("v=1", call.Query.TrimStart('?'));
        Assert.Equal("Bearer s3cret", call.Headers["authorization"]);
        // The next run runs version 2, with the kept secret.
        var next = await FinishAsync(h, (string)(await RunAsync(h, id))["id"]!, tick: TimeSpan.FromSeconds(1));
        Assert.Equal(2, (int)next["workflowVersion"]!);
        var second = (await h.Echo.ReceivedAsync()).Last(t => t.Headers.GetValueOrDefault("scheduleman-step-id") == "call");
        Assert.Equal("v=2", second.Query.TrimStart('?'));
        Assert.Equal("Bearer s3cret", second.Headers["authorization"]);
    }

    [Fact]
    public async Task Resume_and_rerun_of_a_run_in_progress_are_refused_and_an_unknown_step_is_named()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var id = await CreateAsync(h, "slow", Step(h, "wait", work: "for=1h&heartbeat=1s"));
        var runId = (string)(await RunAsync(h, id))["id"]!;
        await h.Executor.DrainAsync();

        var rerun = await h.Client.PostAsync($"/api/v1/workflow-runs/{runId}/rerun", JsonContent.Create(new { step = "wait" }));
        Assert.Equal(HttpStatusCode.Conflict, rerun.StatusCode);
        Assert.Contains("in progress", await rerun.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var resume = await h.Client.PostAsync($"/api/v1/workflow-runs/{runId}/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, resume.StatusCode);

        var cancelled = await h.PostAsync($"/api/v1/workflow-runs/{runId}/cancel");
        Assert.NotNull(cancelled["cancelRequestedAt"]);
        // The worker hears it in the answer to its next heartbeat, and stops.
        var run = await FinishAsync(h, runId, tick: TimeSpan.FromSeconds(1));
        Assert.Equal("cancelled", (string)run["status"]!);
        var unknown = await h.Client.PostAsync($"/api/v1/workflow-runs/{runId}/rerun", JsonContent.Create(new { step = "nope" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("\"step\"", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_beyond_max_active_runs_queue_and_start_in_order_as_earlier_ones_finish()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var id = await CreateAsync(h, "one-at-a-time", Step(h, "only"), "\"maxActiveRuns\": 1,");
        var runs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add((string)(await RunAsync(h, id))["id"]!);
        }
        Assert.Equal(["running", "queued", "queued"], await Task.WhenAll(runs.Select(async r => (string)(await GetRunAsync(h, r))["status"]!)));

        var last = await FinishAsync(h, runs[2]);
        Assert.Equal("succeeded", (string)last["status"]!);
        var finished = await Task.WhenAll(runs.Select(r => GetRunAsync(h, r)));
        Assert.All(finished, r => Assert.Equal("succeeded", (string)r["status"]!));
        // Never two at once: each started when the one before had finished.
        for (var i = 1; i < 3; i++)
        {
            Assert.True((DateTimeOffset)finished[i]["startedAt"]! >= (DateTimeOffset)finished[i - 1]["finishedAt"]!);
        }
    }

    [Fact]
    public async Task A_schedule_pointed_at_a_workflow_starts_one_run_per_occurrence_for_its_scheduled_time()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var id = await CreateAsync(h, "timed", Step(h, "only"));
        var schedule = await h.CreateAsync(JsonNode.Parse("""
            { "name": "timed-daily", "cron": "0 0 6 * * *", "timeZone": "Europe/London",
              "target": { "type": "workflow", "workflow": "timed" } }
            """)!.AsObject());
        h.AdvanceTo(schedule["nextFireAt"]);
        await h.Executor.DrainAsync();

        var page = await h.GetAsync($"/api/v1/workflows/{id}/runs");
        var run = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal("schedule", (string)run["origin"]!);
        Assert.Equal((DateTimeOffset)schedule["nextFireAt"]!, (DateTimeOffset)run["logicalDate"]!);
        Assert.Equal("succeeded", (string)(await FinishAsync(h, (string)run["id"]!))["status"]!);

        var missing = await h.Client.PostAsync("/api/v1/schedules", JsonContent.Create(JsonNode.Parse("""
            { "name": "nothing", "manual": true, "target": { "type": "workflow", "workflow": "no-such" } }
            """)));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("target.workflow", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var delete = await h.Client.DeleteAsync($"/api/v1/workflows/{id}");
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Contains("timed-daily", await delete.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
