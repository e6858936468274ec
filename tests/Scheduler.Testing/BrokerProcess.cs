using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Scheduler.Testing;

/// <summary>
/// A broker run as a real process by a test (RabbitMQ, NATS from Debian's packages; <c>./test.sh</c> installs them), on
/// free ports with its data in a directory of its own, so that it can be killed and started again on the same data.
/// </summary>
public abstract class BrokerProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    protected BrokerProcess(string kind)
    {
        Directory = Path.Combine(Path.GetTempPath(), $"scheduleman-{kind}-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
    }

    protected string Directory { get; }

    /// <summary>The port clients connect to.</summary>
    public int Port { get; } = Ports.Free();

    protected abstract ProcessStartInfo StartInfo();

    /// <summary>What the process wrote, for a failing test's message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the process (again, after <see cref="KillAsync"/>, on the same data) and waits until it accepts connections (and <see cref="ReadyAsync"/> says so).</summary>
    public async Task LaunchAsync(TimeSpan? timeout = null)
    {
        var info = StartInfo();
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = Directory;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitFor.ConditionAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{info.FileName} exited with {process.ExitCode}: {Output}");
            }
            return await AcceptsAsync() && await ReadyAsync();
        }, timeout ?? TimeSpan.FromSeconds(60), $"{info.FileName} to accept connections on {Port}", () => Task.FromResult(Output));
    }

    /// <summary>Kills the broker at once (as a crash would: no clean shutdown) and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        await WaitFor.ConditionAsync(async () => !await AcceptsAsync(), TimeSpan.FromSeconds(20), $"port {Port} to close");
    }

    /// <summary>More than a listening port: ready for the test's clients.</summary>
    protected virtual Task<bool> ReadyAsync() => Task.FromResult(true);

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }

    protected static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>Runs a command line tool to the end: its exit code and standard output.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToolAsync(string file, IEnumerable<string> arguments,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish");
        }
        return (process.ExitCode, await output, await error);
    }
}
