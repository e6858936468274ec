namespace Scheduler.Bench;

/// <summary>A scenario's table, its headline rate (triggers/s; 0 where it has none), and the checks it failed.</summary>
internal sealed record ScenarioResult(string Table, double Rate, IReadOnlyList<string> Failures);
