using Scheduler.Common.Schedules;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

/// <summary>What the broker tests share: executors on real time with named broker connections, and one-shots due soon.</summary>
internal static class BrokerTesting
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>An executor on real time (brokers' timeouts are real) with <paramref name="connections"/> as its <c>Brokers</c> section.</summary>
    public static TestExecutor Executor(FiringHarness harness, string id, IReadOnlyDictionary<string, (string Type, string Uri)> connections,
        Action<ExecutorOptions>? configure = null) =>
        new(harness.ConnectionString, TimeProvider.System, id, o =>
        {
            o.RetryInitialBackoff = TimeSpan.FromMilliseconds(200);
            o.RetryMaxBackoff = TimeSpan.FromSeconds(1);
            configure?.Invoke(o);
        }, settings: connections.SelectMany(c => new[]
        {
            KeyValuePair.Create($"Brokers:{c.Key}:Type", (string?)c.Value.Type),
            KeyValuePair.Create($"Brokers:{c.Key}:Uri", (string?)c.Value.Uri),
        }).ToDictionary());

    /// <summary>A one-shot due <paramref name="after"/> from now (real time).</summary>
    public static ScheduleRequest OneShot(string name, TargetRequest target, TimeSpan? after = null, int maxAttempts = 5) => new()
    {
        Name = name,
        RunAt = DateTimeOffset.UtcNow.Add(after ?? TimeSpan.FromMilliseconds(100)).ToString("O"),
        Target = target,
        MaxAttempts = maxAttempts,
    };

    /// <summary>Drains <paramref name="executor"/> until every execution of the harness satisfies <paramref name="done"/>.</summary>
    public static Task UntilAsync(FiringHarness harness, TestExecutor executor, Func<List<ExecutionRow>, bool> done, string waitingFor) =>
        WaitFor.ConditionAsync(async () =>
        {
            await executor.DrainAsync();
            return done(await harness.ExecutionsAsync());
        }, Patience, waitingFor, harness.DescribeAsync);
}
