using Scheduler.Common.Schedules;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Statistics;
using Scheduler.Storage.Statistics;

namespace Scheduler.Crud.Api.Targets;

/// <summary>
/// What only the server can check about targets when they are written: a webhook's URL against the egress policy, and
/// a broker target against the connections the running executors report having and the grants they report for the
/// writing tenant. <see cref="ForAsync"/> reads the executors once per request, and only when a target in it goes to a broker.
/// </summary>
public sealed class TargetChecks(EgressPolicy egress, StatisticsStore executors, TimeProvider time)
{
    public async Task<TargetCheck> ForAsync(string tenant, IEnumerable<TargetRequest?> targets, CancellationToken cancellationToken)
    {
        var live = targets.Any(t => t?.Type == KafkaTarget.Kind.Name || TargetKinds.Find(t?.Type)?.UsesConnection == true)
            ? await executors.LiveConnectionsAsync(time.GetUtcNow() - StatsApi.AliveWithin, cancellationToken)
            : null;
        return new TargetCheck(egress, tenant, live?.Types, live?.Grants);
    }
}

/// <param name="Connections">Name → the types the live executors have it as; null when not read; empty when no executor is running.</param>
/// <param name="Grants">The live executors' grants (their union); null when not read.</param>
public sealed record TargetCheck(EgressPolicy Egress, string Tenant, IReadOnlyDictionary<string, IReadOnlySet<string>>? Connections, BrokerGrants? Grants = null)
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

    /// <summary>
    /// Adds the grant refusal of a valid target, naming <c>target.connection</c> when the tenant may not use the connection
    /// at all, else the field of the name it may not publish to (<c>target.topic</c>, <c>target.exchange</c>, <c>target.subject</c>).
    /// </summary>
    public void CheckGrant(TargetSpec target, string prefix, ValidationErrors errors)
    {
        if (target.Address is not { } address || Grants?.Refusal(Tenant, address) is not { } refusal)
        {
            return;
        }
        var onConnection = Grants.Connections.TryGetValue(address.ConnectionKey, out var tenants) && tenants.ContainsKey(Tenant);
        var field = onConnection || address.Connection is null ? $"{prefix}target.{address.Field}" : $"{prefix}target.connection";
        if (!errors.Has(field))
        {
            errors.Add(field, refusal);
        }
    }
}
