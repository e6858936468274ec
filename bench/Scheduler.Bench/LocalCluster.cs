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

    /// <summary>Builds (Release) and starts one of the product's hosts; returns its base address.</summary>
    public async Task<Uri> StartApiAsync()
    {
        await RunAsync("dotnet", "build", Path.Combine(Root, "Scheduler.Crud.Api"), "-c", "Release", "-nologo", "-v", "quiet");
        var port = FreePort();
        var bin = Path.Combine(Root, "Scheduler.Crud.Api", "bin", "Release", "net10.0");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = bin, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("Scheduler.Crud.Api.dll");
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ConnectionStrings__Scheduler"] = ConnectionString;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[api] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        var address = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = address };
        for (var i = 0; i < 200; i++)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return address;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException("the API did not start");
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
