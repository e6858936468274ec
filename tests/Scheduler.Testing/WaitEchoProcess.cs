using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Scheduler.Testing;

/// <summary>
/// WaitEcho as its own process, hosting a mock Kafka cluster. A process can be frozen (SIGSTOP) and thawed
/// (SIGCONT): to its clients, a broker that stops answering and comes back on the same address.
/// </summary>
public sealed partial class WaitEchoProcess : IAsyncDisposable
{
    private readonly Process _process;

    [GeneratedRegex(@"bootstrap\.servers=(?<servers>\S+)")]
    private static partial Regex Bootstrap();

    private WaitEchoProcess(Process process, string bootstrapServers)
    {
        _process = process;
        KafkaBootstrapServers = bootstrapServers;
    }

    public string KafkaBootstrapServers { get; }

    public static async Task<WaitEchoProcess> StartWithMockKafkaAsync()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Scheduler.WaitEcho.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["WaitEcho__Kafka__Mock"] = "true";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (Bootstrap().Match(line) is { Success: true } match)
            {
                // Keep draining stdout so the process never blocks on a full pipe.
                _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                return new WaitEchoProcess(process, match.Groups["servers"].Value);
            }
        }
        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException("WaitEcho did not report its mock Kafka cluster");
    }

    public void Freeze() => Signal("STOP");

    public void Thaw() => Signal("CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Thaw();
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
