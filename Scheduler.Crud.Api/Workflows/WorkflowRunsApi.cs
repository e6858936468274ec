using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Backfills;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Backfills;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Schedules;
using Scheduler.Storage.Workflows;

namespace Scheduler.Crud.Api.Workflows;

/// <summary>Runs of workflows: run now, list, read (with each step), resume, rerun a step (alone or with what is downstream), cancel.</summary>
internal static class WorkflowRunsApi
{
    internal static readonly string[] Statuses = ["queued", "running", "succeeded", "failed", "cancelled"];

    public static void Map(IEndpointRouteBuilder app, RouteGroupBuilder workflows)
    {
        workflows.MapPost("/{id:guid}/runs", Start).WithName("StartWorkflowRun").RequireAuthorization(Scopes.Write)
            .WithSummary("Run a workflow now")
            .WithDescription("Optional `logicalDate` (default now; a past instant runs it in history mode) or `intervalStart` and `intervalEnd` (a data interval), and `parameters` (checked against the workflow's declared parameters, defaults filled in; every step's trigger carries them). The run's first steps exist when this answers; with `maxActiveRuns` runs in progress it is `queued`.");
        workflows.MapGet("/{id:guid}/runs", ListForWorkflow).WithName("ListWorkflowRunsOfWorkflow").WithSummary("The workflow's runs, newest first")
            .WithDescription("`status`, `limit` (1–500), `cursor` (the `nextCursor` of the page before).");
        var runs = app.MapGroup("/api/v1/workflow-runs").WithTags("Workflows").RequireAuthorization(Scopes.Read);
        runs.MapGet("/", List).WithName("ListWorkflowRuns").WithSummary("Runs of every workflow, newest first")
            .WithDescription("`workflowId`, `status`, `limit` (1–500), `cursor` (the `nextCursor` of the page before).");
        runs.MapGet("/{id:guid}", Get).WithName("GetWorkflowRun").WithSummary("A run with each step's state, its attempts and every step execution");
        runs.MapPost("/{id:guid}/resume", Resume).WithName("ResumeWorkflowRun").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Resume a finished run from where it stopped")
            .WithDescription("A new attempt of the same run that runs its failed and not-run steps (what succeeded stands), plus the steps the `rerunWithDownstream` rule adds. 409 while the run is in progress or when nothing failed.");
        runs.MapPost("/{id:guid}/rerun", Rerun).WithName("RerunWorkflowStep").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Rerun one step of a finished run, alone or with everything downstream")
            .WithDescription("`step`, and `downstream: true` to rerun everything downstream of it too; a step marked `rerunWithDownstream` that has a rerun step downstream reruns first. A new attempt of the same run; history is kept. 409 while the run is in progress.");
        runs.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelWorkflowRun").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Cancel a run")
            .WithDescription("Steps not started never will be; steps waiting end at once; steps running are asked to stop (their workers hear it in the answer to their next report). The run ends `cancelled` when they have.");
    }

    private static async Task<Results<Created<WorkflowRunResponse>, ValidationProblem, ProblemHttpResult>> Start(Guid id, RunNowRequest? request,
        ClaimsPrincipal user, WorkflowStore workflows, RunStore runs, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var errors = new ValidationErrors();
        // What can be checked without the workflow is, so that bad input is a 400 whether or not the workflow exists.
        HistoryMode.Resolve(request ?? new RunNowRequest(), null, recurring: false, now, errors);
        Common.Parameters.ParameterValidator.Resolve(new Dictionary<string, Common.Parameters.ParameterSpec>(), request?.Parameters, "parameters", errors);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The run is invalid.");
        }
        if (await workflows.GetAsync(user.Tenant(), id, cancellationToken) is not { } workflow)
        {
            return Problems.NotFound("workflow");
        }
        if (HistoryRuns.ForWorkflow(workflow, request ?? new RunNowRequest(), now, errors) is not { } start)
        {
            return Problems.Invalid(errors, "The run is invalid.");
        }
        var run = await runs.StartAsync(user.Tenant(), id, null, start, now, cancellationToken);
        return run is null ? Problems.NotFound("workflow") : TypedResults.Created($"/api/v1/workflow-runs/{run.Id}", WorkflowRunResponse.From(run));
    }

    private static async Task<Results<Ok<WorkflowRunPage>, ValidationProblem, ProblemHttpResult>> ListForWorkflow(Guid id, ClaimsPrincipal user,
        WorkflowStore workflows, RunStore runs, CancellationToken cancellationToken, string? status = null, int? limit = null, string? cursor = null)
    {
        if (await workflows.GetAsync(user.Tenant(), id, cancellationToken) is null)
        {
            return Problems.NotFound("workflow");
        }
        return await List(user, runs, cancellationToken, id, status, limit, cursor) switch
        {
            { Result: Ok<WorkflowRunPage> ok } => ok,
            { Result: ValidationProblem invalid } => invalid,
            _ => throw new InvalidOperationException("unexpected result"),
        };
    }

    private static async Task<Results<Ok<WorkflowRunPage>, ValidationProblem>> List(ClaimsPrincipal user, RunStore runs, CancellationToken cancellationToken,
        Guid? workflowId = null, string? status = null, int? limit = null, string? cursor = null)
    {
        var errors = new ValidationErrors();
        var (size, before) = IdPaging.Parse(limit, cursor, errors);
        if (status is not null && !Statuses.Contains(status))
        {
            errors.Add("status", $"'{ValidationErrors.Excerpt(status)}' is not a run status; use one of {string.Join(", ", Statuses)}");
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        var page = await runs.ListAsync(user.Tenant(), workflowId, status, size, before, cancellationToken);
        return TypedResults.Ok(new WorkflowRunPage(page.Select(r => WorkflowRunResponse.From(r)).ToList(), IdPaging.Next(page, size, r => r.Id)));
    }

    private static async Task<Results<Ok<WorkflowRunResponse>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, RunStore runs,
        CancellationToken cancellationToken) =>
        await runs.GetAsync(user.Tenant(), id, cancellationToken) is { } details
            ? TypedResults.Ok(WorkflowRunResponse.From(details.Run, details))
            : Problems.NotFound("workflow run");

    private static async Task<Results<Ok<WorkflowRunResponse>, ValidationProblem, ProblemHttpResult>> Resume(Guid id, ClaimsPrincipal user, RunStore runs, TimeProvider time,
        CancellationToken cancellationToken) =>
        Answer(await runs.ResumeAsync(user.Tenant(), id, time.GetUtcNow(), cancellationToken), null);

    private static async Task<Results<Ok<WorkflowRunResponse>, ValidationProblem, ProblemHttpResult>> Rerun(Guid id, RerunRequest request, ClaimsPrincipal user,
        RunStore runs, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Step))
        {
            return Problems.Invalid("step", "is required: the id of the step to rerun");
        }
        return Answer(await runs.RerunAsync(user.Tenant(), id, request.Step, request.Downstream ?? false, time.GetUtcNow(), cancellationToken), request.Step);
    }

    private static async Task<Results<Ok<WorkflowRunResponse>, ValidationProblem, ProblemHttpResult>> Cancel(Guid id, ClaimsPrincipal user, RunStore runs, TimeProvider time,
        CancellationToken cancellationToken) =>
        Answer(await runs.CancelAsync(user.Tenant(), id, time.GetUtcNow(), cancellationToken), null);

    private static Results<Ok<WorkflowRunResponse>, ValidationProblem, ProblemHttpResult> Answer(RunChange change, string? step) => change.Status switch
    {
        RunChangeStatus.Done => TypedResults.Ok(WorkflowRunResponse.From(change.Run!)),
        RunChangeStatus.InProgress => Problems.Conflict("The run is in progress.",
            $"The run is {change.Run!.Status}: resume or rerun it when it has finished, or cancel it first."),
        RunChangeStatus.NothingToResume => Problems.Conflict("Nothing to resume.", "Every step of the run succeeded; rerun a step instead."),
        RunChangeStatus.Finished => Problems.Conflict("The run has finished.", $"The run ended {change.Run!.Status}; there is nothing to cancel."),
        RunChangeStatus.UnknownStep => Problems.Invalid("step", $"'{ValidationErrors.Excerpt(step ?? "", 40)}' is not a step of this run's workflow version"),
        _ => Problems.NotFound("workflow run"),
    };
}
