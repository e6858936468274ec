using System.Globalization;
using Scheduler.Bench;

// dotnet run --project bench/Scheduler.Bench -c Release -- api [schedules] [requests] [concurrency]
var scenario = args.ElementAtOrDefault(0) ?? "api";
int Arg(int index, int fallback) => int.TryParse(args.ElementAtOrDefault(index), CultureInfo.InvariantCulture, out var v) ? v : fallback;

switch (scenario)
{
    case "api":
        var schedules = Arg(1, 100_000);
        var results = await ApiReadsBenchmark.RunAsync(schedules, Arg(2, 2_000), Arg(3, 4));
        Console.WriteLine();
        Console.WriteLine($"API reads with {schedules:N0} schedules ({Arg(3, 4)} concurrent clients, real HTTP to the API process)");
        Console.WriteLine(Latencies.Header);
        foreach (var result in results)
        {
            Console.WriteLine(result.Row);
        }
        Console.WriteLine();
        Console.WriteLine($"Machine: {MachineInfo.Describe()}");
        return 0;
    default:
        Console.Error.WriteLine("usage: Scheduler.Bench api [schedules=100000] [requests=2000] [concurrency=4]");
        return 2;
}
