using System.Globalization;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests.Results;

/// <summary>The overlap policy: an occurrence due while the previous run is still going — allowed, skipped, or buffered (one).</summary>
public class OverlapTests
{
    private static readonly string[] InProgress = ["delivered", "running"];

    private static DateTimeOffset Instant(JsonNode? node) => DateTimeOffset.Parse((string)node!, CultureInfo.InvariantCulture);

    private static async Task<(ApiHarness H, string ScheduleId, DateTimeOffset First)> MinutelyAsync(string overlap, string work = "for=90s")
    {
        // Each run takes 90 s: the next minute's occurrence comes due while it is still going.
        var (h, scheduleId) = await ResultTrackingTests.StartAsync($$"""{ "runTimeout": "10m", "overlap": "{{overlap}}" }""", work,
            timing: "\"cron\": \"0 * * * * *\"");
        var first = Instant((await h.GetAsync($"/api/v1/schedules/{scheduleId}"))["nextFireAt"]);
        h.Time.Advance(first - h.Time.GetUtcNow());
        Assert.Equal(1, await h.Executor.DrainAsync());
        return (h, scheduleId, first);
    }

    private static async Task<JsonArray> HistoryAsync(ApiHarness h, string scheduleId) =>
        (await h.GetAsync($"/api/v1/schedules/{scheduleId}/executions?limit=50"))["items"]!.AsArray();

    private static async Task<JsonNode> ExecutionForAsync(ApiHarness h, string scheduleId, DateTimeOffset scheduledFor) =>
        (await HistoryAsync(h, scheduleId)).Single(e => Instant(e!["scheduledFor"]) == scheduledFor)!;

    [Fact]
    public async Task Skip_records_the_occurrence_that_came_due_during_a_run_as_skipped_and_fires_the_next_after_it()
    {
        var (h, scheduleId, first) = await MinutelyAsync("skip");
        await using var _ = h;
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await h.Executor.DrainAsync());
        var skipped = await ExecutionForAsync(h, scheduleId, first.AddMinutes(1));
        Assert.Equal("skipped", (string)skipped["status"]!);
        Assert.Contains("overlap policy", (string)skipped["note"]!, StringComparison.Ordinal);

        h.Time.Advance(TimeSpan.FromSeconds(30));
        await ResultTrackingTests.WaitForStatusAsync(h, (string)(await ExecutionForAsync(h, scheduleId, first))["id"]!, "succeeded");
        h.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await h.Executor.DrainAsync());
        Assert.Equal("delivered", (string)(await ExecutionForAsync(h, scheduleId, first.AddMinutes(2)))["status"]!);
        Assert.Equal(2, (await h.Echo.ReceivedAsync(scheduleId)).Count);
    }

    [Fact]
    public async Task Buffer_one_starts_the_buffered_occurrence_when_the_run_ends_and_skips_any_further_one()
    {
        // Runs of 150 s: at one minute an occurrence is buffered, at two one is already waiting, so that one is skipped.
        var (h, scheduleId, first) = await MinutelyAsync("bufferOne", "for=150s");
        await using var _ = h;
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await h.Executor.DrainAsync());
        Assert.Equal("waiting", (string)(await ExecutionForAsync(h, scheduleId, first.AddMinutes(1)))["status"]!);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await h.Executor.DrainAsync());
        var skipped = await ExecutionForAsync(h, scheduleId, first.AddMinutes(2));
        Assert.Equal("skipped", (string)skipped["status"]!);

        // The first run reports success at 150 s: the buffered occurrence becomes due at once, in the same transaction.
        h.Time.Advance(TimeSpan.FromSeconds(30));
        await ResultTrackingTests.WaitForStatusAsync(h, (string)(await ExecutionForAsync(h, scheduleId, first))["id"]!, "succeeded");
        var released = await ExecutionForAsync(h, scheduleId, first.AddMinutes(1));
        Assert.Equal("pending", (string)released["status"]!);
        Assert.Equal(first.AddSeconds(150), Instant(released["nextAttemptAt"]));
        Assert.Equal(1, await h.Executor.DrainAsync());

        var received = await h.Echo.ReceivedAsync(scheduleId);
        Assert.Equal([first, first.AddMinutes(1)], received.Select(r => r.ScheduledFor!.Value));
        Assert.True(received[1].ReceivedAt >= first.AddSeconds(150), "the buffered occurrence started only after the first run ended");
    }

    [Fact]
    public async Task Allow_lets_runs_overlap()
    {
        var (h, scheduleId, first) = await MinutelyAsync("allow");
        await using var _ = h;
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await h.Executor.DrainAsync());
        var history = await HistoryAsync(h, scheduleId);
        Assert.Equal(2, history.Count);
        Assert.All(history, e => Assert.Contains((string)e!["status"]!, InProgress));
    }
}
