using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduler.Executor;
using Scheduler.Executor.Delivery;
using Scheduler.Executor.Firing;
using Scheduler.Storage;

namespace Scheduler.Testing;

/// <summary>An executor's firing machinery on a given clock, driven by the test (no loop): RunOnce, WhenIdle.</summary>
public sealed class TestExecutor : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public TestExecutor(string connectionString, TimeProvider time, string id, Action<ExecutorOptions>? configure = null, string? kafkaBootstrapServers = null,
        IDictionary<string, string?>? settings = null, ILoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(l =>
        {
            l.SetMinimumLevel(logs is null ? LogLevel.Warning : LogLevel.Trace);
            if (logs is not null)
            {
                l.AddProvider(logs);
            }
        });
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(TestSettings.Configuration.ToDictionary(s => s.Key, s => (string?)s.Value))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Scheduler"] = connectionString })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build());
        services.AddSchedulerStorage();
        services.AddSingleton(time);
        services.AddOptions<ExecutorOptions>().Configure(o =>
        {
            o.ExecutorId = id;
            // Fake-clock tests advance time to due instants; nothing is claimed ahead.
            o.Lookahead = TimeSpan.Zero;
            o.BatchSize = 100;
            o.RetryInitialBackoff = TimeSpan.FromSeconds(1);
            o.LeaseMargin = TimeSpan.FromSeconds(10);
            configure?.Invoke(o);
        });
        services.Configure<KafkaOptions>(o => o.BootstrapServers = kafkaBootstrapServers);
        services.AddTriggerFiring();
        _services = services.BuildServiceProvider();
        Dispatcher = _services.GetRequiredService<TriggerDispatcher>();
    }

    public TriggerDispatcher Dispatcher { get; }

    /// <summary>Writes one heartbeat, as the running executor does every few seconds.</summary>
    public Task HeartbeatAsync() => _services.GetRequiredService<ExecutorHeartbeat>().BeatAsync(CancellationToken.None);

    /// <summary>Claims and fires until nothing is left, then waits for every outcome to be recorded.</summary>
    public Task<int> DrainAsync() => DrainAsync(Dispatcher);

    /// <inheritdoc cref="DrainAsync()"/>
    public static async Task<int> DrainAsync(TriggerDispatcher dispatcher)
    {
        var total = 0;
        int claimed;
        do
        {
            claimed = (await dispatcher.RunOnceAsync(CancellationToken.None)).Claimed;
            total += claimed;
            await dispatcher.WhenIdleAsync();
        }
        while (claimed > 0);
        return total;
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
