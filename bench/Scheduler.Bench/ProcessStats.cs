using System.Diagnostics;
using System.Globalization;
using Scheduler.Testing;

namespace Scheduler.Bench;

/// <summary>CPU time and resident memory of processes, from /proc, sampled while a scenario runs.</summary>
internal sealed class ProcessStats : IAsyncDisposable
{
    private readonly IReadOnlyList<int> _pids;
    private readonly Dictionary<int, double> _cpuAtStart = [];
    private readonly Dictionary<int, long> _maxRss = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ProcessStats(IReadOnlyList<HostProcess> processes)
    {
        _pids = processes.Select(p => p.ProcessId).ToList();
        foreach (var pid in _pids)
        {
            _cpuAtStart[pid] = CpuSeconds(pid);
        }
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                foreach (var pid in _pids)
                {
                    _maxRss[pid] = Math.Max(_maxRss.GetValueOrDefault(pid), RssBytes(pid));
                }
                await Task.Delay(250).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });
    }

    /// <summary>Per process: CPU seconds used since start, that as a share of one core (1.0 = a whole core), and peak RSS in MiB.</summary>
    public IReadOnlyList<(double CpuSeconds, double CoreShare, double PeakRssMiB)> Read()
    {
        var elapsed = _clock.Elapsed.TotalSeconds;
        return _pids.Select(pid =>
        {
            var cpu = CpuSeconds(pid) - _cpuAtStart[pid];
            return (cpu, cpu / elapsed, Math.Max(_maxRss.GetValueOrDefault(pid), RssBytes(pid)) / 1048576.0);
        }).ToList();
    }

    /// <summary>User and system CPU seconds <paramref name="pid"/> has used.</summary>
    internal static double CpuSeconds(int pid)
    {
        // Fields 14 and 15 of /proc/PID/stat: user and system time in clock ticks (100 per second on Linux).
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static long RssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        _stop.Dispose();
    }
}
