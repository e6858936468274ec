using System.Globalization;
using Scheduler.Bench;

// dotnet run --project bench/Scheduler.Bench -c Release -- <scenario> [arguments]; see usage below.
var scenario = args.ElementAtOrDefault(0) ?? "usage";
int Arg(int index, int fallback) => int.TryParse(args.ElementAtOrDefault(index), CultureInfo.InvariantCulture, out var v) ? v : fallback;

if (scenario is not ("api" or "burst" or "steady" or "idle" or "ceiling" or "trigger-path"))
{
    Console.Error.WriteLine("""
        usage: Scheduler.Bench api [schedules=100000] [requests=2000] [concurrency=4]
               Scheduler.Bench burst [one-shots=100000] [executors=2]
               Scheduler.Bench steady [per-second=1000] [seconds=120] [executors=2]
               Scheduler.Bench idle [schedules=1000000]
               Scheduler.Bench ceiling [one-shots=100000] [workers=2]
               Scheduler.Bench trigger-path     (burst, steady, idle and ceiling with their defaults, in one run)
        """);
    return 2;
}
await LocalCluster.BuildAsync();
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
        Console.WriteLine(await TriggerBenchmarks.BurstAsync(Arg(1, 100_000), Arg(2, 2)));
        break;
    case "steady":
        Console.WriteLine(await TriggerBenchmarks.SteadyAsync(Arg(1, 1_000), Arg(2, 120), Arg(3, 2)));
        break;
    case "idle":
        Console.WriteLine(await TriggerBenchmarks.IdleAsync(Arg(1, 1_000_000)));
        break;
    case "ceiling":
        Console.WriteLine((await TriggerBenchmarks.CeilingAsync(Arg(1, 100_000), Arg(2, 2))).Table);
        break;
    case "trigger-path":
        var (ceiling, ceilingRate) = await TriggerBenchmarks.CeilingAsync(100_000, 2);
        var burst = await TriggerBenchmarks.BurstAsync(100_000, 2);
        Console.WriteLine(ceiling);
        Console.WriteLine(burst);
        Console.WriteLine($"Ceiling rate for the ratio: {ceilingRate:N0} triggers/s\n");
        Console.WriteLine(await TriggerBenchmarks.SteadyAsync(1_000, 120, 2));
        Console.WriteLine(await TriggerBenchmarks.IdleAsync(1_000_000));
        break;
}
Console.WriteLine($"Machine: {MachineInfo.Describe()}");
return 0;
