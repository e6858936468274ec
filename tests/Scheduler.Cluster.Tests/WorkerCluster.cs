using System.Net.Http.Json;
using Scheduler.Testing;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// The built processes a worker-facing cluster test runs: WaitEcho as the workers, the API they report to and two
/// executors that tell them where (polling every 300 ms), on a fresh database of the shared PostgreSQL.
/// </summary>
internal sealed class WorkerCluster : IAsyncDisposable
{
    private WorkerCluster(string connectionString, int echoPort, HostProcess echo, HostProcess api, HostProcess executor1, HostProcess executor2,
        HttpClient echoClient, HttpClient apiClient)
    {
        (ConnectionString, EchoPort, Echo, Api, Executor1, Executor2, EchoClient, ApiClient) =
            (connectionString, echoPort, echo, api, executor1, executor2, echoClient, apiClient);
    }

    public string ConnectionString { get; }
    public int EchoPort { get; }
    public HostProcess Echo { get; }
    public HostProcess Api { get; }
    public HostProcess Executor1 { get; }
    public HostProcess Executor2 { get; }
    public HttpClient EchoClient { get; }

    /// <summary>The Kafka topic WaitEcho consumes (what Kafka targets should name).</summary>
    public const string KafkaTopic = "cluster";

    /// <summary>Signed in with the admin key.</summary>
    public HttpClient ApiClient { get; }

    /// <summary>Starts the processes; returns once WaitEcho and the API answer their health checks.</summary>
    /// <param name="connect">How the processes reach the (migrated) database, e.g. through PgBouncer; default: directly.</param>
    /// <param name="connectionString">A database of the test's own (migrated), instead of a new one on the shared server.</param>
    /// <param name="kafka">WaitEcho also hosts a mock Kafka cluster (consuming <see cref="KafkaTopic"/>) and the executors are pointed at it.</param>
    public static async Task<WorkerCluster> StartAsync(Func<string, string>? connect = null, IReadOnlyDictionary<string, string>? settings = null,
        string? connectionString = null, bool kafka = false)
    {
        connectionString ??= await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        int echoPort = Ports.Free(), apiPort = Ports.Free();
        var environment = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["ConnectionStrings__Scheduler"] = connect?.Invoke(connectionString) ?? connectionString,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Executor__PollInterval"] = "00:00:00.300",
            ["Executor__CallbackUrl"] = $"http://127.0.0.1:{apiPort}/",
        };
        // WaitEcho is the webhook target (/echo) and, with kafka, a mock Kafka cluster (a real protocol peer) it consumes from.
        var echo = HostProcess.Start("waitecho", "Scheduler.WaitEcho",
            kafka ? new(environment) { ["WaitEcho__Kafka__Mock"] = "true", ["WaitEcho__Kafka__Topics"] = KafkaTopic } : environment,
            "--urls", $"http://127.0.0.1:{echoPort}");
        var echoClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{echoPort}") };
        try
        {
            await HostProcess.WaitForHealthAsync(echoClient.BaseAddress, "WaitEcho");
        }
        catch (TimeoutException e)
        {
            await echo.DisposeAsync();
            throw new TimeoutException($"{e.Message}\n{echo.Tail()}", e);
        }
        if (kafka)
        {
            environment["Kafka__BootstrapServers"] = (string)(await echoClient.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/kafka"))!["bootstrapServers"]!;
        }
        var api = HostProcess.Start("api", "Scheduler.Crud.Api", environment, "--urls", $"http://127.0.0.1:{apiPort}");
        var executor1 = HostProcess.Start("executor-1", "Scheduler.Executor", new(environment) { ["Executor__ExecutorId"] = "executor-1" });
        var executor2 = HostProcess.Start("executor-2", "Scheduler.Executor", new(environment) { ["Executor__ExecutorId"] = "executor-2" });
        var apiClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
        apiClient.DefaultRequestHeaders.Add("X-Api-Key", TestSettings.AdminKey);
        var cluster = new WorkerCluster(connectionString, echoPort, echo, api, executor1, executor2, echoClient, apiClient);
        try
        {
            await HostProcess.WaitForHealthAsync(apiClient.BaseAddress, "the API");
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>
    /// Waits until WaitEcho received a trigger of each of <paramref name="scheduleIds"/>, then checks that none came early and
    /// that each schedule's were one execution (a repeat only as another attempt of it). Returns all WaitEcho received.
    /// </summary>
    public async Task<List<WaitEcho.Echo.ReceivedTrigger>> ReceivedOnceOnTimeAsync(IReadOnlyCollection<string> scheduleIds, TimeSpan timeout,
        string waitingFor, Func<string>? describe = null)
    {
        List<WaitEcho.Echo.ReceivedTrigger> received = [];
        await WaitFor.ConditionAsync(async () =>
        {
            received = (await EchoClient.GetFromJsonAsync<List<WaitEcho.Echo.ReceivedTrigger>>("/received?limit=100000"))!;
            return scheduleIds.All(id => received.Any(r => r.ScheduleId == id));
        }, timeout, waitingFor, () => Task.FromResult(Tails() + (describe is null ? "" : "\n" + describe())));
        Assert.All(received, r => Assert.True(r.LatenessMs >= 0, $"{r.ExecutionId} came {-r.LatenessMs} ms early"));
        foreach (var id in scheduleIds)
        {
            Assert.Single(received.Where(r => r.ScheduleId == id).Select(r => r.ExecutionId).Distinct());
        }
        return received;
    }

    /// <summary>The last lines each process wrote, for a failure's message.</summary>
    public string Tails() => string.Join('\n', new[] { Echo, Api, Executor1, Executor2 }.Select(p => p.Tail()));

    public async ValueTask DisposeAsync()
    {
        ApiClient.Dispose();
        foreach (var process in new[] { Executor2, Executor1, Api })
        {
            await process.DisposeAsync();
        }
        EchoClient.Dispose();
        await Echo.DisposeAsync();
    }
}
