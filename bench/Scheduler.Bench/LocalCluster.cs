using Scheduler.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Scheduler.Bench;

/// <summary>
/// The processes a benchmark runs: the product's built binaries, on a fresh migrated database from the
/// tests' PostgreSQL fixture (SCHEDULER_TEST_DB, Testcontainers, or a throwaway local cluster).
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<Process> _processes = [];

    private LocalCluster(string connectionString) => ConnectionString = connectionString;

    public static string Root { get; } = PostgresServer.RepositoryRoot();

    public string ConnectionString { get; }

    public static async Task<LocalCluster> StartAsync() =>
        new(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync());

    /// <summary>Builds (Release) and starts the API; returns its base address.</summary>
    public async Task<Uri> StartApiAsync()
    {
        var port = FreePort();
        StartHost("Scheduler.Crud.Api", new() { ["ConnectionStrings__Scheduler"] = ConnectionString }, "--urls", $"http://127.0.0.1:{port}");
        var address = new Uri($"http://127.0.0.1:{port}");
        await WaitHealthyAsync(address);
        return address;
    }

    /// <summary>Starts WaitEcho; returns its base address.</summary>
    public async Task<Uri> StartWaitEchoAsync()
    {
        var port = FreePort();
        StartHost("Scheduler.WaitEcho", [], "--urls", $"http://127.0.0.1:{port}");
        var address = new Uri($"http://127.0.0.1:{port}");
        await WaitHealthyAsync(address);
        return address;
    }

    /// <summary>Starts an executor process with the given extra settings.</summary>
    public Process StartExecutor(string id, Dictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>(settings ?? []) { ["ConnectionStrings__Scheduler"] = ConnectionString, ["Executor__ExecutorId"] = id };
        return StartHost("Scheduler.Executor", environment);
    }

    /// <summary>Builds the hosts once, in Release.</summary>
    public static async Task BuildAsync()
    {
        foreach (var project in new[] { "Scheduler.Crud.Api", "Scheduler.Executor", "Scheduler.WaitEcho" })
        {
            await RunAsync("dotnet", "build", Path.Combine(Root, project), "-c", "Release", "-nologo", "-v", "quiet");
        }
    }

    private Process StartHost(string project, Dictionary<string, string> environment, params string[] args)
    {
        var bin = Path.Combine(Root, project, "bin", "Release", "net10.0");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = bin, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add($"{project}.dll");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{project}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    private static async Task WaitHealthyAsync(Uri address)
    {
        using var http = new HttpClient { BaseAddress = address };
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"{address} did not start");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
