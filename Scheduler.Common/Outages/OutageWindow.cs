namespace Scheduler.Common.Outages;

/// <summary>What happens to occurrences inside an outage.</summary>
public enum OutagePolicy
{
    /// <summary>They do not fire; each is recorded as a skipped execution naming the outage.</summary>
    Skip,

    /// <summary>They fire once, together, when the outage ends (one execution standing for all of them).</summary>
    Defer,
}

/// <summary>
/// A planned quiet period, as the claim sees it: [<see cref="Start"/>, <see cref="End"/>) for the schedules of
/// <see cref="Tenant"/> whose labels include all of <see cref="Labels"/> (none: every schedule).
/// </summary>
public sealed record OutageWindow(Guid Id, string Tenant, string Name, DateTimeOffset Start, DateTimeOffset End, OutagePolicy Policy,
    IReadOnlyDictionary<string, string> Labels)
{
    public bool Covers(DateTimeOffset instant) => instant >= Start && instant < End;

    /// <summary>What an occurrence it skipped says.</summary>
    public string SkipNote => $"skipped by outage '{Name}'";

    /// <summary>What the one execution that fires at its end for the occurrences it deferred says.</summary>
    public string DeferNote => $"deferred by outage '{Name}' to its end";

    /// <summary>What each other occurrence it deferred says (recorded skipped: the execution at its end stands for it).</summary>
    public string FoldNote => $"deferred by outage '{Name}': the execution at its end stands for it";

    public bool AppliesTo(string tenant, IReadOnlyDictionary<string, string> labels) =>
        tenant == Tenant && Labels.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value);
}
