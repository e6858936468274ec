using System.Diagnostics;

namespace Scheduler.Testing;

/// <summary>
/// The system as a newcomer starts it: <c>./run.sh</c> from the repository, as a real process, on free ports and a fresh
/// data folder of its own (<c>DATA_DIR</c>), so that it runs beside a developer's own <c>./run.sh</c>. Disposing sends it
/// SIGTERM, as Ctrl-C would, and waits for it to stop what it started.
/// </summary>
public sealed class RunSh : IAsyncDisposable
{
    private readonly ProcessOutput _output = new(2000);
    private readonly Process _process;
    private readonly string _home;

    private RunSh(int apiPort, int echoPort)
    {
        ApiPort = apiPort;
        EchoPort = echoPort;
        DataDirectory = Path.Combine(Path.GetTempPath(), $"scheduleman-runsh-{Guid.NewGuid():N}");
        _home = Path.Combine(DataDirectory, "home");
        Directory.CreateDirectory(_home);
        var info = new ProcessStartInfo("bash") { WorkingDirectory = PostgresServer.RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("run.sh");
        foreach (var (key, value) in new Dictionary<string, string>
                 {
                     ["SCHEDULER_PG_PORT"] = $"{Ports.Free()}", ["API_PORT"] = $"{ApiPort}", ["ECHO_PORT"] = $"{EchoPort}",
                     ["AMQP_PORT"] = $"{Ports.Free()}", ["NATS_PORT"] = $"{Ports.Free()}", ["DATA_DIR"] = DataDirectory,
                 })
        {
            info.Environment[key] = value;
        }
        _process = _output.Read(Process.Start(info)!);
    }

    public int ApiPort { get; }

    public int EchoPort { get; }

    /// <summary>Where this run keeps its database, brokers and local keys (<c>api-key</c>…).</summary>
    public string DataDirectory { get; }

    /// <summary>
    /// Starts run.sh and waits for its banner (it prints it once the API answers); a build takes a few minutes. The API and
    /// WaitEcho listen on free ports unless given (the README's own, 8080 and 5003, for a test of the README as written).
    /// </summary>
    public static async Task<RunSh> StartAsync(int? apiPort = null, int? echoPort = null)
    {
        foreach (var port in new[] { apiPort, echoPort }.OfType<int>())
        {
            if (!Ports.IsFree(port))
            {
                throw new InvalidOperationException($"port {port} is in use (a ./run.sh of your own?): this test runs the system on it, as the README does");
            }
        }
        var system = new RunSh(apiPort ?? Ports.Free(), echoPort ?? Ports.Free());
        try
        {
            await WaitFor.ConditionAsync(() => Task.FromResult(system._output.Any("Scheduleman is running") || system._process.HasExited),
                TimeSpan.FromMinutes(8), "run.sh to print its banner", () => Task.FromResult(system.Tail()));
            if (system._process.HasExited)
            {
                throw new InvalidOperationException($"run.sh exited with {system._process.ExitCode}\n{system.Tail()}");
            }
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs a bash script from the repository root, as a user in a second terminal would (a home folder of this run's own,
    /// so that a tool install or a CLI login stays inside it; NuGet's package folder stays the machine's).
    /// </summary>
    public async Task<(int Exit, string Output)> RunScriptAsync(string script, TimeSpan timeout)
    {
        var path = Path.Combine(DataDirectory, $"script-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(path, script);
        var info = new ProcessStartInfo("bash") { WorkingDirectory = PostgresServer.RepositoryRoot(), RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec bash \"$0\" 2>&1");
        info.ArgumentList.Add(path);
        var home = Environment.GetEnvironmentVariable("HOME") ?? "/root";
        var nugetConfig = Path.Combine(home, ".nuget", "NuGet", "NuGet.Config");
        if (File.Exists(nugetConfig))
        {
            Directory.CreateDirectory(Path.Combine(_home, ".nuget", "NuGet"));
            File.Copy(nugetConfig, Path.Combine(_home, ".nuget", "NuGet", "NuGet.Config"), overwrite: true);
        }
        info.Environment["HOME"] = _home;
        info.Environment["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(home, ".nuget", "packages");
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        using var process = Process.Start(info)!;
        using var cancel = new CancellationTokenSource(timeout);
        var output = process.StandardOutput.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return (process.ExitCode, await output);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the script did not end within {timeout.TotalMinutes:0} minutes\n{Tail()}");
        }
    }

    public string Tail(int lines = 60) => _output.Tail("run.sh", lines);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", $"{_process.Id}"]))
            {
                await kill.WaitForExitAsync();
            }
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
        // PostgreSQL's files belong to the postgres user when run as root; the folder is removed as a whole.
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
