namespace Scheduler.Common.Workflows;

/// <summary>When a step runs, given how its upstream steps ended (Airflow's trigger rules, by the same names).</summary>
public enum TriggerRule
{
    /// <summary>Every upstream step succeeded (the default). One failing means this step is not run (upstream failed).</summary>
    AllSuccess,

    /// <summary>Every upstream step ended, however: clean-up and reporting steps.</summary>
    AllDone,

    /// <summary>As soon as one upstream step succeeded; not run when all ended and none did.</summary>
    OneSuccess,

    /// <summary>As soon as one upstream step failed (an alert or a compensation); not run when all succeeded.</summary>
    OneFailed,
}

public static class TriggerRules
{
    /// <summary>The rules by the names clients use.</summary>
    public static IReadOnlyDictionary<string, TriggerRule> Names { get; } = new Dictionary<string, TriggerRule>(StringComparer.Ordinal)
    {
        ["allSuccess"] = TriggerRule.AllSuccess,
        ["allDone"] = TriggerRule.AllDone,
        ["oneSuccess"] = TriggerRule.OneSuccess,
        ["oneFailed"] = TriggerRule.OneFailed,
    };

    public static string NameOf(TriggerRule rule) => Names.Single(n => n.Value == rule).Key;
}
