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

    public bool AppliesTo(string tenant, IReadOnlyDictionary<string, string> labels) =>
        tenant == Tenant && Labels.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value);
}
