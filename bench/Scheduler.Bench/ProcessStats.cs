using System.Diagnostics;
using System.Globalization;

namespace Scheduler.Bench;

/// <summary>CPU time and resident memory of processes, from /proc, sampled while a scenario runs.</summary>
internal sealed class ProcessStats : IAsyncDisposable
{
    private readonly IReadOnlyList<Process> _processes;
    private readonly Dictionary<int, double> _cpuAtStart = [];
    private readonly Dictionary<int, long> _maxRss = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ProcessStats(IReadOnlyList<Process> processes)
    {
        _processes = processes;
        foreach (var process in processes)
        {
            _cpuAtStart[process.Id] = CpuSeconds(process.Id);
        }
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                foreach (var process in _processes)
                {
                    _maxRss[process.Id] = Math.Max(_maxRss.GetValueOrDefault(process.Id), RssBytes(process.Id));
                }
                await Task.Delay(250).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });
    }

    /// <summary>Per process: share of one core used since start (1.0 = a whole core), and peak RSS in MiB.</summary>
    public IReadOnlyList<(double CoreShare, double PeakRssMiB)> Read()
    {
        var elapsed = _clock.Elapsed.TotalSeconds;
        return _processes.Select(p => ((CpuSeconds(p.Id) - _cpuAtStart[p.Id]) / elapsed, Math.Max(_maxRss.GetValueOrDefault(p.Id), RssBytes(p.Id)) / 1048576.0)).ToList();
    }

    private static double CpuSeconds(int pid)
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
