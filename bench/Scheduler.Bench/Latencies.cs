using System.Diagnostics;
using System.Globalization;

namespace Scheduler.Bench;

/// <summary>Percentiles over many timed calls.</summary>
internal sealed record Latencies(string Name, int Count, double P50, double P95, double P99, double Max, double PerSecond)
{
    /// <summary>Runs <paramref name="call"/> <paramref name="count"/> times from <paramref name="concurrency"/> workers.</summary>
    public static async Task<Latencies> MeasureAsync(string name, int count, int concurrency, Func<int, Task> call)
    {
        var samples = new double[count];
        var next = -1;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var start = Stopwatch.GetTimestamp();
                await call(i);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }));
        var seconds = total.Elapsed.TotalSeconds;
        Array.Sort(samples);
        double At(double p) => samples[Math.Min(count - 1, (int)(count * p))];
        return new Latencies(name, count, At(0.50), At(0.95), At(0.99), samples[^1], count / seconds);
    }

    public static string Header => "| scenario | calls | p50 ms | p95 ms | p99 ms | max ms | calls/s |\n|---|---:|---:|---:|---:|---:|---:|";

    public string Row => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {Count} | {P50:0.00} | {P95:0.00} | {P99:0.00} | {Max:0.00} | {PerSecond:0} |");
}
