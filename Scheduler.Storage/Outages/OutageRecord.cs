using System.Text.Json;
using Scheduler.Common;
using Scheduler.Common.Outages;

namespace Scheduler.Storage.Outages;

/// <summary>A row of <c>outages</c>.</summary>
public sealed class OutageRecord
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public DateTimeOffset StartsAt { get; init; }
    public DateTimeOffset EndsAt { get; init; }
    public string Policy { get; init; } = "";
    public string Labels { get; init; } = "{}";
    public DateTimeOffset? CancelledAt { get; init; }
    public int Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The declarative source (<c>scheduleman apply --source</c>) that manages it; null: none.</summary>
    public string? ManagedBy { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, string> LabelMap => JsonSerializer.Deserialize<Dictionary<string, string>>(Labels, SchedulerJson.Options) ?? [];

    public OutageWindow ToWindow() => new(Id, Tenant, Name, StartsAt, EndsAt, Enum.Parse<OutagePolicy>(Policy, ignoreCase: true), LabelMap);

    /// <summary><c>planned</c>, <c>in-force</c>, <c>ended</c> or <c>cancelled</c> at <paramref name="now"/>.</summary>
    public string StateAt(DateTimeOffset now) =>
        CancelledAt is not null ? "cancelled" : now < StartsAt ? "planned" : now < EndsAt ? "in-force" : "ended";
}
