using System.Globalization;
using Scheduler.Bench;

// dotnet run --project bench/Scheduler.Bench -c Release -- <scenario> [arguments]; see usage below.
var scenario = args.ElementAtOrDefault(0) ?? "usage";
int Arg(int index, int fallback) => int.TryParse(args.ElementAtOrDefault(index), CultureInfo.InvariantCulture, out var v) ? v : fallback;

if (scenario is not ("api" or "burst" or "steady" or "idle" or "ceiling" or "ratio" or "trigger-path" or "calendar-edit" or "results" or "workflows" or "backfills" or "targets" or "retention" or "scaling" or "templates"))
{
    Console.Error.WriteLine("""
        usage: Scheduler.Bench api [schedules=100000] [requests=2000] [concurrency=4]
               Scheduler.Bench burst [one-shots=100000] [executors=2]
               Scheduler.Bench steady [per-second=1000] [seconds=120] [executors=2]
               Scheduler.Bench idle [schedules=1000000]
               Scheduler.Bench ceiling [one-shots=100000] [workers=2]
               Scheduler.Bench ratio [rounds=3]   (ceiling then burst, each round; every round's burst / ceiling and their median)
               Scheduler.Bench trigger-path     (burst, steady, idle and ceiling with their defaults, in one run)
               Scheduler.Bench calendar-edit [schedules=10000]
               Scheduler.Bench results [runs=5000] [concurrency=8] [chained=200]
               Scheduler.Bench workflows [runs=1000] [steps=10] [executors=2] [work=2s]
               Scheduler.Bench backfills [runs=10000] [maxActiveRuns=20] [live-per-second=500] [executors=2]
               Scheduler.Bench targets [one-shots=20000] [executors=2]   (the burst with each target type)
               Scheduler.Bench scaling [one-shots=50000]   (the burst with 1, 2, 4 executors and claim batch sizes 100, 500, 2000)
               Scheduler.Bench retention [per-second=1000] [seconds=600] [window-minutes=2] [executors=2]   (the soak)
               Scheduler.Bench templates   (an executor's peak memory while it refuses hostile stored templates)
        """);
    return 2;
}
await LocalCluster.BuildAsync();
var failures = new List<string>();
void Print(ScenarioResult result)
{
    Console.WriteLine(result.Table);
    failures.AddRange(result.Failures);
}
switch (scenario)
{
    case "api":
        var schedules = Arg(1, 100_000);
        var results = await ApiReadsBenchmark.RunAsync(schedules, Arg(2, 2_000), Arg(3, 4));
        Console.WriteLine($"\nAPI reads with {schedules:N0} schedules ({Arg(3, 4)} concurrent clients, real HTTP to the API process)\n");
        Console.WriteLine(Latencies.Header);
        results.ToList().ForEach(r => Console.WriteLine(r.Row));
        break;
    case "burst":
        Print(await TriggerBenchmarks.BurstAsync(Arg(1, 100_000), Arg(2, 2)));
        break;
    case "steady":
        Print(await TriggerBenchmarks.SteadyAsync(Arg(1, 1_000), Arg(2, 120), Arg(3, 2)));
        break;
    case "idle":
        Print(await TriggerBenchmarks.IdleAsync(Arg(1, 1_000_000)));
        break;
    case "ceiling":
        Print(await TriggerBenchmarks.CeilingAsync(Arg(1, 100_000), Arg(2, 2)));
        break;
    case "calendar-edit":
        Print(await CalendarBenchmark.EditAsync(Arg(1, 10_000)));
        break;
    case "results":
        Print(await ResultsBenchmark.RunAsync(Arg(1, 5_000), Arg(2, 8), Arg(3, 200)));
        break;
    case "workflows":
        Print(await WorkflowBenchmark.RunAsync(Arg(1, 1_000), Arg(2, 10), Arg(3, 2), args.ElementAtOrDefault(4) ?? "2s"));
        break;
    case "backfills":
        Print(await BackfillBenchmark.RunAsync(Arg(1, 10_000), Arg(2, 20), Arg(3, 500), Arg(4, 2)));
        break;
    case "targets":
        Print(await TargetsBenchmark.RunAsync(Arg(1, 20_000), Arg(2, 2)));
        break;
    case "scaling":
        Print(await TriggerBenchmarks.ScalingAsync(Arg(1, 50_000)));
        break;
    case "templates":
        Print(await TemplateMemoryBenchmark.RunAsync());
        break;
    case "retention":
        Print(await RetentionBenchmark.SoakAsync(Arg(1, 1_000), Arg(2, 600), TimeSpan.FromMinutes(Arg(3, 2)), Arg(4, 2)));
        break;
    case "ratio":
        // One round is one ratio; on this shared box rounds differ by a tenth or more, so the median of a few is the figure.
        var ratios = new List<double>();
        var rounds = new List<(string, string)>();
        for (var round = 1; round <= Arg(1, 3); round++)
        {
            var roundCeiling = await TriggerBenchmarks.CeilingAsync(100_000, 2);
            var roundBurst = await TriggerBenchmarks.BurstAsync(100_000, 2);
            failures.AddRange(roundCeiling.Failures.Concat(roundBurst.Failures));
            ratios.Add(roundBurst.Rate / roundCeiling.Rate);
            rounds.Add(($"round {round}: burst / ceiling", $"{roundBurst.Rate:N0} / {roundCeiling.Rate:N0} = {ratios[^1]:0.00}"));
            Console.WriteLine(roundCeiling.Table);
            Console.WriteLine(roundBurst.Table);
        }
        rounds.Add(("median", $"{ratios.Order().ElementAt(ratios.Count / 2):0.00}"));
        Console.WriteLine(TriggerBenchmarks.Table("Burst against the ceiling, round by round", [.. rounds]));
        break;
    case "trigger-path":
        // The ratio is the figure to compare across days: absolute rates here swing 2x, the two in one run move together.
        var ceiling = await TriggerBenchmarks.CeilingAsync(100_000, 2);
        var burst = await TriggerBenchmarks.BurstAsync(100_000, 2);
        Print(ceiling);
        Print(burst);
        Console.WriteLine(TriggerBenchmarks.Table("Burst against the ceiling measured in this run",
            ("burst / ceiling", $"{burst.Rate:N0} / {ceiling.Rate:N0} = {burst.Rate / ceiling.Rate:0.00}")));
        Print(await TriggerBenchmarks.SteadyAsync(1_000, 120, 2));
        Print(await TriggerBenchmarks.IdleAsync(1_000_000));
        break;
}
Console.WriteLine($"Machine: {MachineInfo.Describe()}");
if (failures.Count > 0)
{
    await Console.Error.WriteLineAsync("CHECKS FAILED:\n  " + string.Join("\n  ", failures));
    return 1;
}
return 0;
