using Scheduler.Common.Results;
using Scheduler.Common.Schedules;
using Scheduler.Common.Workflows;

namespace Scheduler.Common.Tests;

/// <summary>Workflow definitions as data: validation that names fields and cycles, the DAG's order and rerun sets, and the planner's rules.</summary>
public class WorkflowTests
{
    private static StepRequest Step(string id, params string[] dependsOn) => new()
    {
        Id = id,
        DependsOn = [.. dependsOn],
        Target = new TargetRequest { Type = "webhook", Url = $"https://workers.example.com/{id}" },
    };

    private static WorkflowDefinition Valid(params StepRequest[] steps)
    {
        var errors = WorkflowValidator.Validate(new WorkflowRequest { Name = "w", Steps = [.. steps] }, out var definition);
        Assert.True(errors.IsValid, errors.ToString());
        return definition!;
    }

    [Fact]
    public void A_cycle_is_named_as_the_path_it_takes()
    {
        var errors = WorkflowValidator.Validate(new WorkflowRequest
        {
            Name = "w",
            Steps = [Step("start"), Step("a", "start", "c"), Step("b", "a"), Step("c", "b")],
        }, out var definition);
        Assert.Null(definition);
        var (field, messages) = Assert.Single(errors.ToDictionary());
        Assert.Equal("steps[1].dependsOn", field);
        Assert.Equal("the steps form a cycle: a → b → c → a", Assert.Single(messages));
    }

    [Fact]
    public void A_step_that_depends_on_itself_is_a_cycle_of_one()
    {
        var errors = WorkflowValidator.Validate(new WorkflowRequest { Name = "w", Steps = [Step("a", "a")] }, out _);
        Assert.Equal("the steps form a cycle: a → a", Assert.Single(errors.ToDictionary()["steps[0].dependsOn"]));
    }

    [Fact]
    public void Unknown_references_duplicate_ids_bad_rules_and_bad_targets_are_each_named()
    {
        var errors = WorkflowValidator.Validate(new WorkflowRequest
        {
            Name = "w",
            MaxActiveRuns = 0,
            Steps =
            [
                Step("a"),
                Step("a"),
                Step("b", "nope", "a", "a") with { TriggerRule = "whenever" },
                new StepRequest { Id = "bad id!", Target = new TargetRequest { Type = "workflow", Workflow = "x" } },
                Step("c") with { Completion = new CompletionRequest { Overlap = "skip" }, MaxAttempts = 0 },
            ],
        }, out _);
        var fields = errors.ToDictionary();
        Assert.Contains("is already the id of steps[0]", fields["steps[1].id"][0], StringComparison.Ordinal);
        Assert.Contains("'nope' is not the id of a step", fields["steps[2].dependsOn[0]"][0], StringComparison.Ordinal);
        Assert.Contains("listed twice", fields["steps[2].dependsOn[2]"][0], StringComparison.Ordinal);
        Assert.Contains("allSuccess, allDone, oneSuccess, oneFailed", fields["steps[2].triggerRule"][0], StringComparison.Ordinal);
        Assert.Contains("is not a step id", fields["steps[3].id"][0], StringComparison.Ordinal);
        Assert.Contains("cannot start another workflow", fields["steps[3].target.type"][0], StringComparison.Ordinal);
        Assert.Contains("does not apply to a step", fields["steps[4].completion.overlap"][0], StringComparison.Ordinal);
        Assert.True(fields.ContainsKey("steps[4].maxAttempts"));
        Assert.True(fields.ContainsKey("maxActiveRuns"));
    }

    [Fact]
    public void A_workflow_has_at_least_one_step_and_at_most_the_limit()
    {
        Assert.True(WorkflowValidator.Validate(new WorkflowRequest { Name = "w", Steps = [] }, out _).Has("steps"));
        var many = Enumerable.Range(0, WorkflowValidator.MaxSteps + 1).Select(i => Step($"s{i}")).ToList();
        var errors = WorkflowValidator.Validate(new WorkflowRequest { Name = "w", Steps = many }, out _);
        Assert.Contains($"the limit is {WorkflowValidator.MaxSteps}", errors.ToDictionary()["steps"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_hash_is_the_steps_and_ignores_secret_values()
    {
        var one = Valid(Step("a"), Step("b", "a"));
        var same = Valid(Step("a"), Step("b", "a")) with { Name = "other", MaxActiveRuns = 3 };
        var different = Valid(Step("a"), Step("b"));
        Assert.Equal(WorkflowDefinition.HashOf(one.Steps), WorkflowDefinition.HashOf(same.Steps));
        Assert.NotEqual(WorkflowDefinition.HashOf(one.Steps), WorkflowDefinition.HashOf(different.Steps));
        var withSecret = Valid(Step("a") with { Target = new TargetRequest { Type = "webhook", Url = "https://x.example.com", Headers = new() { ["Authorization"] = "Bearer one" } } });
        var rotated = Valid(Step("a") with { Target = new TargetRequest { Type = "webhook", Url = "https://x.example.com", Headers = new() { ["Authorization"] = "Bearer two" } } });
        Assert.Equal(WorkflowDefinition.HashOf(withSecret.Steps), WorkflowDefinition.HashOf(rotated.Steps));
    }

    [Fact]
    public void The_dag_orders_and_layers_steps_and_the_rerun_rule_pulls_in_marked_upstream_steps()
    {
        var dag = Valid(Step("publish", "transform", "validate"), Step("extract") with { RerunWithDownstream = true }, Step("transform", "extract"),
            Step("validate", "extract"), Step("audit")).Dag;
        Assert.Equal(["extract", "audit", "transform", "validate", "publish"], dag.Order);
        Assert.Equal(2, dag.Layers["publish"]);
        Assert.Equal(["publish", "transform", "validate"], dag.Descendants("extract").Order(StringComparer.Ordinal));
        Assert.Equal(["extract", "publish"], dag.WithRerunRule(["publish"]).Order(StringComparer.Ordinal));
        Assert.Equal(["audit"], dag.WithRerunRule(["audit"]));
    }

    [Theory]
    // rule, upstream statuses, what happens to the step
    [InlineData("allSuccess", "succeeded,succeeded", "start")]
    [InlineData("allSuccess", "succeeded,running", "wait")]
    [InlineData("allSuccess", "dead,running", "upstream-failed")]
    [InlineData("allDone", "dead,cancelled", "start")]
    [InlineData("allDone", "dead,running", "wait")]
    [InlineData("oneSuccess", "succeeded,running", "start")]
    [InlineData("oneSuccess", "dead,dead", "upstream-failed")]
    [InlineData("oneFailed", "dead,running", "start")]
    [InlineData("oneFailed", "succeeded,succeeded", "rule-unmet")]
    public void Each_trigger_rule_decides_from_how_the_upstream_steps_stand(string rule, string upstream, string expected)
    {
        var statuses = upstream.Split(',');
        var dag = Valid(Step("u1"), Step("u2"), Step("d", "u1", "u2") with { TriggerRule = rule }).Dag;
        var latest = new Dictionary<string, StepRun> { ["u1"] = new(statuses[0], null, 1), ["u2"] = new(statuses[1], null, 1) };
        var decision = RunPlanner.Plan(dag, dag.Order.ToHashSet(), 1, cancelRequested: false, latest);
        var outcome = decision.Start.Contains("d") ? "start" : decision.NotRun.FirstOrDefault(n => n.Step == "d").Reason ?? "wait";
        Assert.Equal(expected, outcome);
    }

    [Fact]
    public void A_run_finishes_failed_when_a_step_failed_and_succeeded_when_only_rule_unmet_steps_did_not_run()
    {
        var dag = Valid(Step("a"), Step("alert", "a") with { TriggerRule = "oneFailed" }, Step("after-alert", "alert")).Dag;
        var all = dag.Order.ToHashSet();
        var first = RunPlanner.Plan(dag, all, 1, false, new Dictionary<string, StepRun> { ["a"] = new("succeeded", null, 1) });
        Assert.Equal([("alert", "rule-unmet"), ("after-alert", "rule-unmet")], first.NotRun);
        Assert.Equal("succeeded", first.Finished);

        var failed = RunPlanner.Plan(dag, all, 1, false, new Dictionary<string, StepRun> { ["a"] = new("dead", "worker-failed", 1) });
        Assert.Equal(["alert"], failed.Start);
        Assert.Null(failed.Finished);
    }
}

public sealed class TimeOrderedIdTests
{
    [Fact]
    public void Ids_made_in_one_millisecond_keep_their_order_as_uuids_sort_and_carry_version_7()
    {
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 5_000).Select(_ => TimeOrderedId.New(at)).ToList();
        // PostgreSQL orders uuids by their bytes, big-endian: the order they were made in.
        Assert.Equal(ids, ids.OrderBy(g => Convert.ToHexString(g.ToByteArray(bigEndian: true)), StringComparer.Ordinal));
        Assert.All(ids, g => Assert.Equal(7, g.Version));
        Assert.All(ids, g => Assert.Equal(0b10, g.Variant >> 2));
        Assert.True(DateTimeOffset.FromUnixTimeMilliseconds(BitConverter.ToInt64([.. g(ids[0])[..6].Reverse(), 0, 0])) >= at);

        static byte[] g(Guid id) => id.ToByteArray(bigEndian: true);
    }
}
