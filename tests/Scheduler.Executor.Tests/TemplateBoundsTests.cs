using System.Text.Json;
using Dapper;
using Scheduler.Common.Schedules;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

/// <summary>
/// Issue 31: a stored template past the bounds (written straight into the database, bypassing the API) killed every executor
/// that claimed it, or took it to gigabytes and was retried. Now its execution is dead on the first attempt with the reason,
/// and the executor goes on firing everything else.
/// </summary>
public class TemplateBoundsTests
{
    private static string Nested(int depth) =>
        string.Concat(Enumerable.Repeat("{% if true %}", depth)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", depth));

    private const string Doubling = "{% assign s = \"x\" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}";

    [Fact]
    public async Task A_stored_template_past_the_bounds_is_dead_on_its_first_attempt_and_the_executor_keeps_firing()
    {
        await using var harness = await FiringHarness.StartAsync();
        var healthy = await harness.CreateAsync(FiringHarness.Webhook("healthy", harness.Echo.EchoUrl()) with { Cron = "* * * * * *" });
        var hostile = new Dictionary<Guid, string>();
        foreach (var (name, body, reason) in new[]
                 {
                     ("nested", Nested(100_000), "target.body.x: nests blocks more than 16 deep"),
                     ("doubling", Doubling, "target.body.x: the filter 'append' makes a value of 524,288 characters; at most 262,144"),
                     ("huge-range", "{% for i in (1..100000000) %}x{% endfor %}", "target.body.x: a range makes a list of 100,000,000 items; at most 10,000"),
                     ("divided-by-zero", "{{ attempt | divided_by: 0 }}", "target.body.x: could not be rendered: Attempted to divide by zero."),
                 })
        {
            var schedule = await harness.CreateAsync(FiringHarness.Webhook(name, harness.Echo.EchoUrl(), maxAttempts: 5) with { Delay = "1s" });
            await using var connection = await harness.DataSource.OpenConnectionAsync();
            Assert.Equal(1, await connection.ExecuteAsync("update schedules set target = jsonb_set(target, '{body}', @body::jsonb) where id = @id",
                new { id = schedule.Id, body = JsonSerializer.Serialize(new { x = body }) }));
            hostile[schedule.Id] = reason;
        }
        var executor = harness.Executor("a");

        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await TestExecutor.DrainAsync(executor);

        foreach (var (id, reason) in hostile)
        {
            var execution = Assert.Single(await harness.ExecutionsAsync(id));
            Assert.Equal(("dead", 1), (execution.Status, execution.Attempt));
            Assert.Equal($"the target's template cannot be rendered: {reason}", execution.LastError);
        }
        Assert.Equal("succeeded", Assert.Single(await harness.ExecutionsAsync(healthy.Id)).Status);

        // The same executor fires the next occurrence too.
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await TestExecutor.DrainAsync(executor);
        Assert.Equal(["succeeded", "succeeded"], (await harness.ExecutionsAsync(healthy.Id)).Select(e => e.Status));
        Assert.Equal(2, (await harness.Echo.ReceivedAsync()).Count);
    }
}
