using Scheduler.Testing;
using System.Diagnostics;

namespace Scheduler.Bench;

/// <summary>
/// The processes a benchmark runs: the product's built binaries, on a fresh migrated database from the
/// tests' PostgreSQL fixture (SCHEDULER_TEST_DB, Testcontainers, or a throwaway local cluster).
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private static readonly Dictionary<string, string> Quiet = new() { ["Logging__LogLevel__Default"] = "Warning" };
    private readonly List<HostProcess> _processes = [];

    private LocalCluster(string connectionString) => ConnectionString = connectionString;

    public static string Root { get; } = PostgresServer.RepositoryRoot();

    /// <summary>The executor's gen0 budget, as <c>Scheduler.Executor/Dockerfile</c> and <c>run.sh</c> set it.</summary>
    public const string ExecutorGen0Size = "0x600000";

    public string ConnectionString { get; }

    public static async Task<LocalCluster> StartAsync() =>
        new(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync());

    /// <summary>Starts the API; returns its base address.</summary>
    public Task<Uri> StartApiAsync() =>
        StartWebHostAsync("api", "Scheduler.Crud.Api", new(Quiet) { ["ConnectionStrings__Scheduler"] = ConnectionString });

    /// <summary>Starts WaitEcho, keeping at least <paramref name="expected"/> received triggers; returns its base address.</summary>
    /// <param name="settings">More settings, e.g. the brokers it consumes from.</param>
    public Task<Uri> StartWaitEchoAsync(int expected, IReadOnlyDictionary<string, string>? settings = null) =>
        StartWebHostAsync("waitecho", "Scheduler.WaitEcho", new(Quiet.Concat(settings ?? new Dictionary<string, string>()))
        {
            ["WaitEcho__Capacity"] = $"{Math.Max(200_000, expected + expected / 10)}",
        });

    /// <summary>Starts an executor process (default settings; it serves health on a free port).</summary>
    /// <param name="callbackUrl">The API workers report to (result tracking), when the scenario has one.</param>
    /// <param name="settings">More settings, e.g. its Kafka brokers or broker connections.</param>
    public HostProcess StartExecutor(string id, Uri? callbackUrl = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>(Quiet.Concat(settings ?? new Dictionary<string, string>()))
        {
            ["ConnectionStrings__Scheduler"] = ConnectionString, ["Executor__ExecutorId"] = id,
            // As its image runs it (Scheduler.Executor/Dockerfile).
            ["DOTNET_GCgen0size"] = ExecutorGen0Size,
        };
        if (callbackUrl is not null)
        {
            environment["Executor__CallbackUrl"] = callbackUrl.ToString();
        }
        return Track(HostProcess.Start(id, "Scheduler.Executor", environment));
    }

    /// <summary>The process ids of the hosts started under <paramref name="name"/> (e.g. <c>waitecho</c>).</summary>
    public IReadOnlyList<int> ProcessIds(string name) => _processes.Where(p => p.Name == name && p.Running).Select(p => p.ProcessId).ToList();

    /// <summary>Builds the hosts once, in Release.</summary>
    public static async Task BuildAsync()
    {
        foreach (var project in new[] { "Scheduler.Crud.Api", "Scheduler.Executor", "Scheduler.WaitEcho" })
        {
            await RunAsync("dotnet", "build", Path.Combine(Root, project), "-c", "Release", "-nologo", "-v", "quiet");
        }
    }

    private async Task<Uri> StartWebHostAsync(string name, string project, Dictionary<string, string> environment)
    {
        var address = new Uri($"http://127.0.0.1:{Ports.Free()}");
        Track(HostProcess.Start(name, project, environment, "--urls", address.ToString()));
        await HostProcess.WaitForHealthAsync(address, name);
        return address;
    }

    private HostProcess Track(HostProcess process)
    {
        _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            // A host that died during the run explains the numbers (or their absence): show its last words.
            if (!process.Running)
            {
                await Console.Error.WriteLineAsync(process.Tail());
            }
            await process.DisposeAsync();
        }
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await output}{await error}");
        }
    }
}
