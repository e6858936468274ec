using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Common.Validation;
using Scheduler.Common.Workflows;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Secrets;
using Scheduler.Storage.Secrets;
using Scheduler.Storage.Workflows;
using Scheduler.Crud.Api.Targets;

namespace Scheduler.Crud.Api.Workflows;

/// <summary>Workflows: DAGs of steps, each triggered at its target when its upstream steps allow, learning its result from its worker's report.</summary>
public static class WorkflowsApi
{
    public static IEndpointRouteBuilder MapWorkflowsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/workflows").WithTags("Workflows").RequireAuthorization(Scopes.Read);
        group.MapPost("/", Create).WithName("CreateWorkflow").RequireAuthorization(Scopes.Write).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create a workflow")
            .WithDescription("Named `steps`, each with a webhook, Kafka, RabbitMQ or NATS `target`, `dependsOn` (step ids), a `triggerRule`, `maxAttempts` and `completion` timeouts; `maxActiveRuns`. A cycle is refused naming it (`a → b → a`). A workflow has no timer of its own: run it now (`POST …/runs`), or give it the whole timing language by pointing a schedule at it (`target: {type: workflow, workflow: <name>}`).");
        group.MapGet("/", List).WithName("ListWorkflows").WithSummary("List workflows, a page at a time")
            .WithDescription("`name` (contains), `label` (`key=value`, repeatable), `limit` (1–500), `cursor` (the `nextCursor` of the page before).");
        group.MapGet("/{id:guid}", Get).WithName("GetWorkflow").WithSummary("Get a workflow").WithDescription("The `ETag` header is its version.");
        group.MapPut("/{id:guid}", Replace).WithName("ReplaceWorkflow").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Replace a workflow")
            .WithDescription("A new version: runs started before keep the definition they started with (see their `definitionHash`). Renaming one that schedules start is refused (409), naming them.");
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteWorkflow").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Delete a workflow").WithDescription("Its runs stay readable (those in progress finish). Refused (409, naming them) while schedules start it.");
        WorkflowRunsApi.Map(app, group);
        return app;
    }

    private static async Task<Results<Created<WorkflowResponse>, ValidationProblem, ProblemHttpResult>> Create(WorkflowRequest request, ClaimsPrincipal user,
        WorkflowStore workflows, SecretStore secrets, TargetChecks targetChecks, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = ValidateWrite(request, await targetChecks.ForAsync(user.Tenant(), StepTargets(request), cancellationToken), storedSecrets: null, out var definition);
        if (definition is not null)
        {
            await SecretsApi.CheckReferencesAsync(secrets, user.Tenant(), definition.SecretRefs, "steps", errors, cancellationToken);
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The workflow is invalid.");
        }
        if (await workflows.InsertAsync(user.Tenant(), definition!, time.GetUtcNow(), cancellationToken) is not { } created)
        {
            return Problems.NameTaken(definition!.Name, "workflow");
        }
        response.Headers.ETag = Versions.ETag(created.Version);
        return TypedResults.Created($"/api/v1/workflows/{created.Id}", WorkflowResponse.From(created));
    }

    private static async Task<Results<Ok<WorkflowPage>, ValidationProblem>> List(ClaimsPrincipal user, WorkflowStore workflows,
        CancellationToken cancellationToken, int? limit = null, string? cursor = null, string? name = null, [FromQuery(Name = "label")] string[]? labels = null)
    {
        var errors = new ValidationErrors();
        var (size, after) = IdPaging.Parse(limit, cursor, errors);
        if (name is { Length: > Common.Schedules.ScheduleValidator.MaxNameLength })
        {
            errors.Add("name", $"is longer than {Common.Schedules.ScheduleValidator.MaxNameLength} characters");
        }
        var labelFilter = LabelFilter.Parse(labels, errors);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        var page = await workflows.ListAsync(user.Tenant(), size, after, name, labelFilter, cancellationToken);
        return TypedResults.Ok(new WorkflowPage(page.Select(WorkflowResponse.From).ToList(), IdPaging.Next(page, size, w => w.Id)));
    }

    private static async Task<Results<Ok<WorkflowResponse>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, WorkflowStore workflows,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (await workflows.GetAsync(user.Tenant(), id, cancellationToken) is not { } record)
        {
            return Problems.NotFound("workflow");
        }
        response.Headers.ETag = Versions.ETag(record.Version);
        return TypedResults.Ok(WorkflowResponse.From(record));
    }

    private static async Task<Results<Ok<WorkflowResponse>, ValidationProblem, ProblemHttpResult>> Replace(Guid id, WorkflowRequest request,
        ClaimsPrincipal user, WorkflowStore workflows, SecretStore secrets, TargetChecks targetChecks, TimeProvider time, HttpRequest http,
        CancellationToken cancellationToken)
    {
        // A "***" secret keeps the one stored for the step with the same id (If-Match guards against a change in between).
        var stored = await workflows.GetAsync(user.Tenant(), id, cancellationToken);
        if (stored is null)
        {
            return Problems.NotFound("workflow");
        }
        var errors = ValidateWrite(request, await targetChecks.ForAsync(user.Tenant(), StepTargets(request), cancellationToken), workflows.StoredSecrets(stored), out var definition);
        if (definition is not null)
        {
            await SecretsApi.CheckReferencesAsync(secrets, user.Tenant(), definition.SecretRefs, "steps", errors, cancellationToken);
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The workflow is invalid.");
        }
        var change = await workflows.ReplaceAsync(user.Tenant(), id, Versions.Expected(http), _ => definition!, time.GetUtcNow(), cancellationToken);
        switch (change.Status)
        {
            case WorkflowChangeStatus.Done:
                http.HttpContext.Response.Headers.ETag = Versions.ETag(change.Workflow!.Version);
                return TypedResults.Ok(WorkflowResponse.From(change.Workflow));
            case WorkflowChangeStatus.VersionMismatch:
                return Problems.VersionMismatch(change.Workflow!.Version, "workflow");
            case WorkflowChangeStatus.NameTaken:
                return Problems.NameTaken(request.Name?.Trim() ?? "", "workflow");
            case WorkflowChangeStatus.InUse:
                return Problems.Conflict("Schedules start this workflow by its name.",
                    $"name: schedules start it as '{change.Workflow!.Name}': {string.Join(", ", change.UsedBy!.Select(n => $"'{n}'"))}. Point them at the new name first.");
            default:
                return Problems.NotFound("workflow");
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, ClaimsPrincipal user, WorkflowStore workflows, TimeProvider time,
        HttpRequest http, CancellationToken cancellationToken)
    {
        var change = await workflows.DeleteAsync(user.Tenant(), id, Versions.Expected(http), time.GetUtcNow(), cancellationToken);
        return change.Status switch
        {
            WorkflowChangeStatus.Done => TypedResults.NoContent(),
            WorkflowChangeStatus.VersionMismatch => Problems.VersionMismatch(change.Workflow!.Version, "workflow"),
            WorkflowChangeStatus.InUse => Problems.Conflict("The workflow is in use.",
                $"Schedules start it: {string.Join(", ", change.UsedBy!.Select(n => $"'{n}'"))}. Delete them or point them elsewhere first."),
            _ => Problems.NotFound("workflow"),
        };
    }

    /// <summary>For a schedule whose target starts a workflow: whether that workflow exists (null when the target is another kind).</summary>
    internal static IEnumerable<Common.Schedules.TargetRequest?> StepTargets(WorkflowRequest request) => request.Steps?.Select(s => s?.Target) ?? [];

    internal static async Task<bool?> TargetExistsAsync(WorkflowStore workflows, string tenant, Common.Schedules.TargetRequest? target,
        CancellationToken cancellationToken) =>
        target is { Type: "workflow", Workflow: { Length: > 0 and <= Common.Schedules.ScheduleValidator.MaxNameLength } name }
            ? await workflows.ExistsAsync(tenant, name.Trim(), cancellationToken)
            : null;

    /// <summary>
    /// The request validated, each step's target checked as only the server can (<see cref="TargetCheck"/>), and each <c>***</c> secret
    /// replaced by the one stored for the step with the same id.
    /// </summary>
    /// <param name="storedSecrets">The stored workflow's secrets in clear by step id (<see cref="WorkflowStore.StoredSecrets"/>); null when creating.</param>
    internal static ValidationErrors ValidateWrite(WorkflowRequest request, TargetCheck targets, IReadOnlyDictionary<string, Dictionary<string, string>>? storedSecrets,
        out WorkflowDefinition? definition)
    {
        var errors = WorkflowValidator.Validate(request, out definition);
        for (var i = 0; i < (request.Steps?.Count ?? 0); i++)
        {
            targets.Check(request.Steps![i]?.Target, $"steps[{i}].", errors);
        }
        if (definition is null || !errors.IsValid)
        {
            definition = null;
            return errors;
        }
        var steps = new List<StepDefinition>();
        for (var i = 0; i < definition.Steps.Count; i++)
        {
            var step = definition.Steps[i];
            targets.CheckGrant(step.Target, $"steps[{i}].", errors);
            var stepSecrets = storedSecrets?.GetValueOrDefault(step.Id) ?? [];
            var index = i;
            steps.Add(step with
            {
                Target = step.Target.MapSecrets((field, value) =>
                {
                    if (value != SensitiveHeaders.Redacted)
                    {
                        return value;
                    }
                    if (stepSecrets.TryGetValue(field, out var kept))
                    {
                        return kept;
                    }
                    errors.Add($"steps[{index}].{field}",
                        $"'{SensitiveHeaders.Redacted}' keeps the stored secret, but this step has none (or it no longer decrypts for this step); send the secret itself");
                    return value;
                }),
            });
        }
        definition = errors.IsValid ? definition with { Steps = steps } : null;
        return errors;
    }
}
