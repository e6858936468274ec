using System.Text.RegularExpressions;
using Scheduler.Common.Parameters;
using Scheduler.Common.Results;
using Scheduler.Common.Schedules;
using Scheduler.Common.Targets;
using Scheduler.Common.Templates;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Workflows;

/// <summary>Validates a workflow; errors name the field (<c>steps[2].dependsOn[0]</c>), and a cycle is named as a path.</summary>
public static partial class WorkflowValidator
{
    /// <summary>Steps per workflow: a fan-out of a hundred and its fan-in fit; a larger graph is several workflows.</summary>
    public const int MaxSteps = 200;

    public const int MaxStepIdLength = 63;
    public const int MaxActiveRunsLimit = 1_000;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex StepId();

    public static ValidationErrors Validate(WorkflowRequest request, out WorkflowDefinition? definition)
    {
        var errors = new ValidationErrors();
        definition = null;
        var name = ScheduleValidator.ValidateName(request.Name, "name", errors);
        if (request.Description is { Length: > ScheduleValidator.MaxDescriptionLength })
        {
            errors.Add("description", $"is {request.Description.Length} characters long; the limit is {ScheduleValidator.MaxDescriptionLength}");
        }
        else if (request.Description?.Contains('\0', StringComparison.Ordinal) == true)
        {
            errors.Add("description", "must not contain NUL (\\u0000)");
        }
        ScheduleValidator.ValidateLabels(request.Labels, errors);
        var maxActiveRuns = request.MaxActiveRuns ?? WorkflowDefinition.DefaultMaxActiveRuns;
        if (maxActiveRuns is < 1 or > MaxActiveRunsLimit)
        {
            errors.Add("maxActiveRuns", $"must be between 1 and {MaxActiveRunsLimit}, got {maxActiveRuns}");
        }
        var parameters = ParameterValidator.ValidateDeclaration(request.Parameters, errors);
        var secretRefs = new SortedSet<string>(StringComparer.Ordinal);
        var steps = ValidateSteps(request.Steps, TemplateScope.For(parameters.Keys.ToList(), step: true), secretRefs, errors);
        if (errors.IsValid)
        {
            definition = new WorkflowDefinition
            {
                Name = name!,
                Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description,
                Labels = request.Labels ?? [],
                Steps = steps,
                MaxActiveRuns = maxActiveRuns,
                Parameters = parameters,
                SecretRefs = secretRefs.ToList(),
            };
        }
        return errors;
    }

    private static List<StepDefinition> ValidateSteps(List<StepRequest>? requests, TemplateScope scope, SortedSet<string> secretRefs, ValidationErrors errors)
    {
        var steps = new List<StepDefinition>();
        if (requests is null or { Count: 0 })
        {
            errors.Add("steps", "is required: at least one step");
            return steps;
        }
        if (requests.Count > MaxSteps)
        {
            errors.Add("steps", $"has {requests.Count} steps; the limit is {MaxSteps}");
            return steps;
        }
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i]?.Id is { } id && !firstIndex.TryAdd(id, i))
            {
                errors.Add($"steps[{i}].id", $"'{ValidationErrors.Excerpt(id, 40)}' is already the id of steps[{firstIndex[id]}]");
            }
        }
        for (var i = 0; i < requests.Count; i++)
        {
            var field = $"steps[{i}]";
            if (requests[i] is not { } request)
            {
                errors.Add(field, "must be a step, not null");
                continue;
            }
            if (string.IsNullOrEmpty(request.Id))
            {
                errors.Add($"{field}.id", "is required");
            }
            else if (request.Id.Length > MaxStepIdLength || !StepId().IsMatch(request.Id))
            {
                errors.Add($"{field}.id", $"'{ValidationErrors.Excerpt(request.Id, 40)}' is not a step id: 1–{MaxStepIdLength} letters, digits, '-' and '_', starting with a letter or digit");
            }
            var local = new ValidationErrors();
            var target = TargetValidator.Validate(request.Target, local, steps: true);
            if (target is not null)
            {
                secretRefs.UnionWith(TargetTemplates.Validate(target, scope, local));
            }
            var completion = CompletionValidator.Validate(request.Completion, local);
            if (completion is { Overlap: not OverlapPolicy.Allow })
            {
                local.Add("completion.overlap", "does not apply to a step: a workflow's runs are limited by maxActiveRuns");
            }
            errors.AddAll(local, field + ".");
            var dependsOn = request.DependsOn ?? [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < dependsOn.Count; j++)
            {
                var upstream = dependsOn[j];
                if (upstream is null || !firstIndex.ContainsKey(upstream))
                {
                    errors.Add($"{field}.dependsOn[{j}]", $"'{ValidationErrors.Excerpt(upstream ?? "null", 40)}' is not the id of a step of this workflow");
                }
                else if (!seen.Add(upstream))
                {
                    errors.Add($"{field}.dependsOn[{j}]", $"'{upstream}' is listed twice");
                }
            }
            var rule = TriggerRule.AllSuccess;
            if (request.TriggerRule is not null && !TriggerRules.Names.TryGetValue(request.TriggerRule, out rule))
            {
                errors.Add($"{field}.triggerRule", $"'{ValidationErrors.Excerpt(request.TriggerRule, 40)}' is not a trigger rule; use {string.Join(", ", TriggerRules.Names.Keys)}");
            }
            var maxAttempts = request.MaxAttempts ?? StepDefinition.DefaultMaxAttempts;
            if (maxAttempts is < 1 or > 100)
            {
                errors.Add($"{field}.maxAttempts", $"must be between 1 and 100, got {maxAttempts}");
            }
            if (target is not null && local.IsValid && request.Id is { } stepId)
            {
                steps.Add(new StepDefinition(stepId, target, dependsOn.Where(d => d is not null).ToList(), rule, maxAttempts,
                    completion ?? new Completion(Completion.DefaultRunTimeout, null, OverlapPolicy.Allow), request.RerunWithDownstream ?? false));
            }
        }
        var cycle = Dag.FindCycle(requests.Where(r => r?.Id is not null)
            .Select(r => (r.Id!, (IReadOnlyList<string>)(r.DependsOn ?? []).Where(d => d is not null).ToList())).ToList());
        if (cycle is not null)
        {
            errors.Add($"steps[{firstIndex[cycle[0]]}].dependsOn", $"the steps form a cycle: {string.Join(" → ", cycle)}");
        }
        return steps;
    }
}
