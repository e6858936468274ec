namespace Scheduler.Cluster.Tests;

/// <summary>
/// The cluster tests run one after another: they share the test PostgreSQL, which the chaos test interrupts, and each
/// loads this 2-core machine with several processes of its own.
/// </summary>
[CollectionDefinition(Collection)]
public sealed class Processes
{
    public const string Collection = "processes";
}
