using Scheduler.Common.Targets;

namespace Scheduler.Common.Tests;

public class BrokerGrantsTests
{
    private static readonly BrokerGrants Grants = new(new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>
    {
        ["orders"] = BrokerGrants.Parse(new Dictionary<string, string> { ["acme"] = "billing., acme.", ["ops"] = "*" }),
        ["events"] = BrokerGrants.Parse(null),
        [BrokerGrants.Kafka] = BrokerGrants.Parse(new Dictionary<string, string> { ["acme"] = "acme." }),
    });

    [Theory]
    // Prefixes: a name starting with a granted prefix passes; anything else names what is granted.
    [InlineData("acme", "orders", "exchange", "billing.eu", null)]
    [InlineData("acme", "orders", "exchange", "acme.jobs", null)]
    [InlineData("acme", "orders", "exchange", "payments", "only for exchanges starting with 'billing.', 'acme.', not 'payments'")]
    [InlineData("acme", "orders", "exchange", "billing", "not 'billing'")]
    // The default exchange routes to any queue: only '*' covers it.
    [InlineData("acme", "orders", "exchange", null, "not the default exchange")]
    [InlineData("ops", "orders", "exchange", null, null)]
    // A tenant without a grant is refused the connection, saying how an operator grants it.
    [InlineData("globex", "orders", "exchange", "billing.eu", "tenant 'globex' has no grant for broker connection 'orders'; an operator grants it on the executors (Brokers:orders:Tenants:globex=<prefixes>)")]
    // A connection configured without grants is the default tenant's alone.
    [InlineData("default", "events", "subject", "jobs.a", null)]
    [InlineData("acme", "events", "subject", "jobs.a", "tenant 'acme' has no grant for broker connection 'events'")]
    [InlineData("default", "orders", "exchange", "billing.eu", "tenant 'default' has no grant for broker connection 'orders'")]
    // Kafka: the cluster, by topic.
    [InlineData("acme", null, "topic", "acme.reports", null)]
    [InlineData("acme", null, "topic", "reports", "tenant 'acme' may use the Kafka cluster only for topics starting with 'acme.', not 'reports'")]
    [InlineData("default", null, "topic", "triggers", "tenant 'default' has no grant for the Kafka cluster; an operator grants it on the executors (Kafka:Tenants:default=<prefixes>)")]
    // A connection these grants do not know is for whoever has it to decide.
    [InlineData("acme", "payments", "exchange", "x", null)]
    public void A_tenant_publishes_only_where_it_is_granted_and_a_refusal_says_why(string tenant, string? connection, string field, string? name, string? refused)
    {
        var refusal = Grants.Refusal(tenant, new BrokerAddress(connection, field, name));
        if (refused is null)
        {
            Assert.Null(refusal);
        }
        else
        {
            Assert.NotNull(refusal);
            Assert.Contains(refused, refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_union_of_executors_grants_is_what_any_of_them_grants()
    {
        var union = BrokerGrants.Union([
            new BrokerGrants(new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> { ["orders"] = BrokerGrants.Parse(new Dictionary<string, string> { ["acme"] = "a." }) }),
            new BrokerGrants(new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> { ["orders"] = BrokerGrants.Parse(new Dictionary<string, string> { ["acme"] = "b.", ["ops"] = "*" }) }),
        ]);
        Assert.Null(union.Refusal("acme", new BrokerAddress("orders", "exchange", "a.x")));
        Assert.Null(union.Refusal("acme", new BrokerAddress("orders", "exchange", "b.x")));
        Assert.Null(union.Refusal("ops", new BrokerAddress("orders", "exchange", null)));
        Assert.NotNull(union.Refusal("acme", new BrokerAddress("orders", "exchange", "c.x")));
    }

    [Fact]
    public void A_grant_of_no_prefix_is_a_configuration_problem()
    {
        Assert.Equal(["Brokers:orders:Tenants:acme grants no prefix; give a comma-separated list of prefixes, or * for every name"],
            BrokerGrants.Problems("Brokers:orders", new Dictionary<string, string> { ["acme"] = " , ", ["ops"] = "*" }));
    }
}
