using System.Globalization;

namespace Scheduler.Bench;

/// <summary>
/// Where a scenario's CPU went, from /proc: the given processes, every PostgreSQL process, and the machine as a whole.
/// Taken before and after a phase; the difference is what the phase cost.
/// </summary>
internal sealed class CpuBreakdown
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<int>> _groups;
    private readonly Dictionary<string, Dictionary<int, double>> _start;
    private readonly double _machineStart;

    private CpuBreakdown(IReadOnlyDictionary<string, IReadOnlyList<int>> groups)
    {
        _groups = groups;
        _start = Read();
        _machineStart = MachineBusySeconds();
    }

    /// <param name="groups">Named groups of process ids (executors, WaitEcho); PostgreSQL's processes are found by name.</param>
    public static CpuBreakdown Start(IReadOnlyDictionary<string, IReadOnlyList<int>> groups) => new(groups);

    /// <summary>CPU seconds per group since the start, PostgreSQL's, and the rest of the machine's ("other": the benchmark, the kernel…).</summary>
    /// <remarks>
    /// Per process: one that started meanwhile counts whole, one that ended meanwhile not at all (its last moments are lost,
    /// a small undercount). Subtracting group totals instead took a backend that had loaded the schedules and then ended away
    /// from PostgreSQL's share of the drain.
    /// </remarks>
    public IReadOnlyList<(string Group, double Seconds)> Stop()
    {
        var now = Read();
        // Each process's CPU since the start, by group.
        var since = now.ToDictionary(g => g.Key, g => g.Value.Select(p => (Pid: p.Key, Seconds: p.Value - _start[g.Key].GetValueOrDefault(p.Key))).ToList());
        var used = since.Select(g => (g.Key, Seconds: g.Value.Sum(p => p.Seconds))).ToList();
        PostgresByKind = since["PostgreSQL"].GroupBy(p => PostgresKind(p.Pid))
            .Select(k => (k.Key, k.Sum(p => p.Seconds))).Where(k => k.Item2 > 0).OrderByDescending(k => k.Item2).ToList();
        var machine = MachineBusySeconds() - _machineStart;
        used.Add(("other", Math.Max(0, machine - used.Sum(u => u.Seconds))));
        return used;
    }

    /// <summary>After <see cref="Stop"/>: PostgreSQL's share by kind of process (sessions, autovacuum, checkpointer…).</summary>
    public IReadOnlyList<(string Kind, double Seconds)> PostgresByKind { get; private set; } = [];

    // "postgres: checkpointer", "postgres: autovacuum worker test_1", "postgres: postgres test_1 127.0.0.1(5012) idle": the
    // process title says what a PostgreSQL process does; a session's begins with its user name.
    private static string PostgresKind(int pid)
    {
        string title;
        try
        {
            title = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "gone";
        }
        if (!title.StartsWith("postgres: ", StringComparison.Ordinal))
        {
            return "postmaster";
        }
        var what = title["postgres: ".Length..];
        foreach (var kind in (string[])["autovacuum worker", "autovacuum launcher", "checkpointer", "background writer", "walwriter"])
        {
            if (what.StartsWith(kind, StringComparison.Ordinal))
            {
                return kind;
            }
        }
        return what.Contains('(', StringComparison.Ordinal) ? "sessions" : what.Split(' ')[0];
    }

    private Dictionary<string, Dictionary<int, double>> Read()
    {
        var result = _groups.ToDictionary(g => g.Key, g => Seconds(g.Value));
        result["PostgreSQL"] = Seconds(Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
            .Where(d => int.TryParse(d, out _)).Select(int.Parse!)
            .Where(pid => Comm(pid) == "postgres"));
        return result;
    }

    private static Dictionary<int, double> Seconds(IEnumerable<int> pids) =>
        pids.Select(pid => (pid, Seconds: ProcessSeconds(pid))).Where(p => p.Seconds is not null).ToDictionary(p => p.pid, p => p.Seconds!.Value);

    private static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static double? ProcessSeconds(int pid)
    {
        try
        {
            return ProcessStats.CpuSeconds(pid);
        }
        catch (IOException)
        {
            return null; // gone
        }
    }

    /// <summary>All cores' non-idle time, from the first line of /proc/stat.</summary>
    private static double MachineBusySeconds()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
        return (fields.Sum() - fields[3] - fields[4]) / 100.0;
    }
}
