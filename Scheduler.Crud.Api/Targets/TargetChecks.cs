using Scheduler.Common.Schedules;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Statistics;
using Scheduler.Storage.Statistics;

namespace Scheduler.Crud.Api.Targets;

/// <summary>
/// What only the server can check about targets when they are written: a webhook's URL against the egress policy, and
/// a broker connection against those the running executors report having. <see cref="ForAsync"/> reads the executors
/// once per request, and only when a target in it names a connection.
/// </summary>
public sealed class TargetChecks(EgressPolicy egress, StatisticsStore executors, TimeProvider time)
{
    public async Task<TargetCheck> ForAsync(IEnumerable<TargetRequest?> targets, CancellationToken cancellationToken)
    {
        var connections = targets.Any(t => TargetKinds.Find(t?.Type)?.UsesConnection == true)
            ? await executors.LiveConnectionsAsync(time.GetUtcNow() - StatsApi.AliveWithin, cancellationToken)
            : null;
        return new TargetCheck(egress, connections);
    }
}

/// <param name="Connections">Name → the types the live executors have it as; null when not read; empty when no executor is running.</param>
public sealed record TargetCheck(EgressPolicy Egress, IReadOnlyDictionary<string, IReadOnlySet<string>>? Connections)
{
    /// <summary>Adds what is wrong with <paramref name="target"/> under <paramref name="prefix"/> (<c>steps[0].</c>); fields already wrong are left alone.</summary>
    public void Check(TargetRequest? target, string prefix, ValidationErrors errors)
    {
        if (target is { Type: "webhook", Url: { } text } && !errors.Has($"{prefix}target.url") &&
            Uri.TryCreate(text, UriKind.Absolute, out var url) && Egress.Refusal(url) is { } refusal)
        {
            errors.Add($"{prefix}target.url", refusal);
        }
        // With no executor running nothing can be known: the executor that claims the trigger says it then.
        if (target is { Connection: { } name } && TargetKinds.Find(target.Type) is { UsesConnection: true } kind &&
            Connections is { Count: > 0 } known && !errors.Has($"{prefix}target.connection"))
        {
            if (!known.TryGetValue(name, out var types))
            {
                errors.Add($"{prefix}target.connection", $"no running executor has a broker connection named '{ValidationErrors.Excerpt(name, 40)}' " +
                    $"(they have: {string.Join(", ", known.Select(k => $"{k.Key} ({string.Join("/", k.Value)})"))}); configure Brokers:{ValidationErrors.Excerpt(name, 40)} on the executors first");
            }
            else if (!types.Contains(kind.Name))
            {
                errors.Add($"{prefix}target.connection", $"'{name}' is a {string.Join("/", types)} connection on the executors, not {kind.Name}");
            }
        }
    }
}
