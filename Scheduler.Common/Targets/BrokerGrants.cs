namespace Scheduler.Common.Targets;

/// <summary>
/// Where a broker target publishes, as grants see it: the connection (null: the executors' one Kafka cluster), the
/// field naming what it publishes to and that name (a topic, an exchange — null for RabbitMQ's default exchange — or a
/// subject).
/// </summary>
public sealed record BrokerAddress(string? Connection, string Field, string? Name)
{
    /// <summary>How grants name the connection: <c>kafka</c> for the cluster, else the connection's name.</summary>
    public string ConnectionKey => Connection ?? BrokerGrants.Kafka;
}

/// <summary>
/// Which tenants may use which broker connections, and for each tenant the prefixes of the topics, exchanges or subjects
/// it may publish to (<c>*</c>: any, RabbitMQ's default exchange included). A connection configured without grants is
/// the <see cref="DefaultTenant"/>'s alone: before grants existed every tenant could publish anywhere, and that is the
/// hole this closes, while a single-tenant installation (the default tenant) keeps working unchanged.
/// </summary>
/// <param name="Connections">Connection key (<see cref="Kafka"/> or a name) → tenant → granted prefixes.</param>
public sealed record BrokerGrants(IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> Connections)
{
    /// <summary>The key grants use for the Kafka cluster (a broker connection cannot be called that).</summary>
    public const string Kafka = "kafka";

    /// <summary>The tenant the API's bootstrap key administers by default, and the only one a connection without grants serves.</summary>
    public const string DefaultTenant = "default";

    /// <summary>A prefix that grants every name.</summary>
    public const string Any = "*";

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> DefaultOnly =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { [DefaultTenant] = [Any] };

    /// <summary>
    /// Configured grants (tenant → comma-separated prefixes, as in <c>Brokers:orders:Tenants:acme=billing.,acme.</c>)
    /// read into lists; none configured is <see cref="DefaultOnly"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Parse(IReadOnlyDictionary<string, string>? configured) =>
        configured is not { Count: > 0 } ? DefaultOnly
            : configured.ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Value
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);

    /// <summary>What is wrong with configured grants (an empty prefix list grants nothing, and is surely a mistake).</summary>
    public static IEnumerable<string> Problems(string section, IReadOnlyDictionary<string, string>? configured)
    {
        foreach (var (tenant, prefixes) in configured ?? new Dictionary<string, string>())
        {
            if (prefixes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length == 0)
            {
                yield return $"{section}:Tenants:{tenant} grants no prefix; give a comma-separated list of prefixes, or {Any} for every name";
            }
        }
    }

    /// <summary>
    /// Why <paramref name="tenant"/> may not publish to <paramref name="address"/>, or null when it may — or when these
    /// grants do not know the connection at all (whoever has it decides).
    /// </summary>
    public string? Refusal(string tenant, BrokerAddress address)
    {
        if (!Connections.TryGetValue(address.ConnectionKey, out var tenants))
        {
            return null;
        }
        var what = address.Connection is { } name ? $"broker connection '{name}'" : "the Kafka cluster";
        var setting = address.Connection is { } configured ? $"Brokers:{configured}:Tenants:{tenant}" : $"Kafka:Tenants:{tenant}";
        if (!tenants.TryGetValue(tenant, out var prefixes) || prefixes.Count == 0)
        {
            return $"tenant '{tenant}' has no grant for {what}; an operator grants it on the executors ({setting}=<prefixes>)";
        }
        if (Allows(prefixes, address.Name))
        {
            return null;
        }
        var named = address.Name is { } text ? $"'{text}'" : "the default exchange";
        var kind = address.Field switch { "exchange" => "exchanges", "subject" => "subjects", _ => "topics" };
        return $"tenant '{tenant}' may use {what} only for {kind} starting with {string.Join(", ", prefixes.Select(p => $"'{p}'"))}, not {named}";
    }

    // The default exchange (no name) routes to any queue by name: only a grant of everything covers it.
    private static bool Allows(IReadOnlyList<string> prefixes, string? name) =>
        prefixes.Any(p => p == Any || (name is not null && name.StartsWith(p, StringComparison.Ordinal)));

    /// <summary>The union of several executors' grants (the API checks against any live executor that has the connection).</summary>
    public static BrokerGrants Union(IEnumerable<BrokerGrants> all)
    {
        var union = new Dictionary<string, Dictionary<string, HashSet<string>>>(StringComparer.Ordinal);
        foreach (var (connection, tenants) in all.SelectMany(g => g.Connections))
        {
            var byTenant = union.TryGetValue(connection, out var found) ? found : union[connection] = new(StringComparer.Ordinal);
            foreach (var (tenant, prefixes) in tenants)
            {
                (byTenant.TryGetValue(tenant, out var set) ? set : byTenant[tenant] = new(StringComparer.Ordinal)).UnionWith(prefixes);
            }
        }
        return new BrokerGrants(union.ToDictionary(c => c.Key,
            c => (IReadOnlyDictionary<string, IReadOnlyList<string>>)c.Value.ToDictionary(t => t.Key, t => (IReadOnlyList<string>)t.Value.Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal),
            StringComparer.Ordinal));
    }
}
