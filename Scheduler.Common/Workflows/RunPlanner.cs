namespace Scheduler.Common.Workflows;

/// <summary>How a run's steps stand, from their newest executions.</summary>
public enum StepState { Unfinished, Succeeded, Failed, UpstreamFailed, RuleUnmet }

/// <summary>A step's newest execution in a run: its status, why it ended, and the run attempt it belongs to.</summary>
public sealed record StepRun(string Status, string? EndReason, int RunAttempt)
{
    public StepState State => Status switch
    {
        "succeeded" => StepState.Succeeded,
        "dead" or "cancelled" => StepState.Failed,
        "skipped" when EndReason == "rule-unmet" => StepState.RuleUnmet,
        "skipped" => StepState.UpstreamFailed,
        _ => StepState.Unfinished,
    };
}

/// <summary>What a run does next: steps to start, steps that will not run (and why), and whether it has finished.</summary>
public sealed record RunDecision(IReadOnlyList<string> Start, IReadOnlyList<(string Step, string Reason)> NotRun, string? Finished);

/// <summary>
/// The one place that moves a run on. Called whenever one of its steps ends (and when it starts, resumes or reruns):
/// every step of the current attempt that has no execution yet is looked at once, in dependency order, and its trigger
/// rule decides — run it, not run it, or wait.
/// </summary>
public static class RunPlanner
{
    /// <param name="attemptSteps">The steps the run's current attempt runs (all of them for the first).</param>
    /// <param name="latest">Each step's newest execution in the run, over all attempts.</param>
    public static RunDecision Plan(Dag dag, IReadOnlySet<string> attemptSteps, int attempt, bool cancelRequested, IReadOnlyDictionary<string, StepRun> latest)
    {
        var start = new List<string>();
        var notRun = new List<(string, string)>();
        var state = new Dictionary<string, StepState?>(StringComparer.Ordinal);
        foreach (var id in dag.Order)
        {
            var current = latest.GetValueOrDefault(id);
            if (!attemptSteps.Contains(id) || current?.RunAttempt == attempt)
            {
                // Not part of this attempt (what it did before stands), or already created in it.
                state[id] = current?.State ?? (attemptSteps.Contains(id) ? StepState.Unfinished : StepState.UpstreamFailed);
                continue;
            }
            if (cancelRequested)
            {
                state[id] = null;
                continue;
            }
            var step = dag[id];
            var decision = Decide(step.TriggerRule, step.DependsOn.Select(d => state[d]).ToList());
            // A step started now, or still waiting, is unfinished for what depends on it.
            state[id] = StepState.Unfinished;
            switch (decision)
            {
                case Decision.Start:
                    start.Add(id);
                    break;
                case Decision.UpstreamFailed:
                    state[id] = StepState.UpstreamFailed;
                    notRun.Add((id, "upstream-failed"));
                    break;
                case Decision.RuleUnmet:
                    state[id] = StepState.RuleUnmet;
                    notRun.Add((id, "rule-unmet"));
                    break;
            }
        }

        string? finished = null;
        var attemptStates = attemptSteps.Select(s => state[s]).ToList();
        if (cancelRequested)
        {
            finished = attemptStates.All(s => s is null or not StepState.Unfinished) ? "cancelled" : null;
        }
        else if (attemptStates.All(s => s is not StepState.Unfinished) && start.Count == 0)
        {
            finished = state.Values.Any(s => s is StepState.Failed or StepState.UpstreamFailed) ? "failed" : "succeeded";
        }
        return new RunDecision(start, notRun, finished);
    }

    private enum Decision { Wait, Start, UpstreamFailed, RuleUnmet }

    // A null state: a step this (cancelled) attempt never created; for the rules it is a failure.
    private static Decision Decide(TriggerRule rule, List<StepState?> upstream)
    {
        if (upstream.Count == 0)
        {
            return Decision.Start;
        }
        var failed = upstream.Any(s => s is null or StepState.Failed or StepState.UpstreamFailed);
        var unfinished = upstream.Any(s => s is StepState.Unfinished);
        var succeeded = upstream.Any(s => s is StepState.Succeeded);
        return rule switch
        {
            TriggerRule.AllSuccess => failed ? Decision.UpstreamFailed : unfinished ? Decision.Wait
                : upstream.All(s => s is StepState.Succeeded) ? Decision.Start : Decision.RuleUnmet,
            TriggerRule.AllDone => unfinished ? Decision.Wait : Decision.Start,
            TriggerRule.OneSuccess => succeeded ? Decision.Start : unfinished ? Decision.Wait : failed ? Decision.UpstreamFailed : Decision.RuleUnmet,
            _ => failed ? Decision.Start : unfinished ? Decision.Wait : Decision.RuleUnmet,
        };
    }
}
