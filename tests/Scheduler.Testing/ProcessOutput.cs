using System.Collections.Concurrent;
using System.Diagnostics;

namespace Scheduler.Testing;

/// <summary>The last lines a started process printed (stdout and stderr), kept for waits and failure messages.</summary>
public sealed class ProcessOutput(int capacity)
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Starts reading <paramref name="process"/>'s redirected output into this.</summary>
    public Process Read(Process process)
    {
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public bool Any(string text) => _lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    public string Tail(string name, int lines) => $"--- {name} ---\n" + string.Join('\n', _lines.TakeLast(lines));

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _lines.Enqueue(line);
        while (_lines.Count > capacity)
        {
            _lines.TryDequeue(out _);
        }
    }
}
