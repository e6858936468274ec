using System.Diagnostics;

namespace Scheduler.Testing;

/// <summary>
/// One of the product's hosts as a real process, started from its own build folder (Debug or Release, as the
/// calling assembly was built): for the cluster test and the benchmark.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private static readonly string Configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
    private readonly ProcessOutput _output = new(500);
    private readonly string _project;
    private readonly string[] _args;
    private readonly Dictionary<string, string> _environment;
    private Process _process;

    private HostProcess(string name, string project, string[] args, Dictionary<string, string> environment)
    {
        Name = name;
        _project = project;
        _args = args;
        _environment = environment;
        _process = Launch();
    }

    public string Name { get; }

    public bool Running => !_process.HasExited;

    public int ProcessId => _process.Id;

    public static HostProcess Start(string name, string project, Dictionary<string, string> environment, params string[] args) =>
        new(name, project, args, environment);

    /// <summary>SIGKILL: no shutdown code runs, leases stay behind.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Restart()
    {
        if (Running)
        {
            Kill();
        }
        _process.Dispose();
        _process = Launch();
    }

    /// <summary>The last lines the process printed, for failure messages.</summary>
    public string Tail(int lines = 30) => _output.Tail(Name, lines);

    /// <summary>Waits until <paramref name="address"/> answers <c>/healthz</c>.</summary>
    public static Task WaitForHealthAsync(Uri address, string what) =>
        WaitFor.ConditionAsync(async () =>
        {
            using var http = new HttpClient { BaseAddress = address };
            try
            {
                return (await http.GetAsync("/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), what);

    private Process Launch()
    {
        var folder = Path.Combine(PostgresServer.RepositoryRoot(), _project, "bin", Configuration, "net10.0");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(folder, _project + ".dll"));
        foreach (var arg in _args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in TestSettings.Environment.Concat(_environment))
        {
            info.Environment[key] = value;
        }
        return _output.Read(Process.Start(info)!);
    }

    public async ValueTask DisposeAsync()
    {
        if (Running)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
