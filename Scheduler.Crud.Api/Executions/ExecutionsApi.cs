using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Schedules;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Schedules;

namespace Scheduler.Crud.Api.Executions;

public static class ExecutionsApi
{
    internal static readonly string[] Statuses =
        ["pending", "delivering", "delivered", "running", "failed", "cancelling", "waiting", "succeeded", "dead", "skipped", "cancelled"];

    public static IEndpointRouteBuilder MapExecutionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/executions").WithTags("Executions").RequireAuthorization(Scopes.Read);
        group.MapGet("/", List).WithName("ListExecutions")
            .WithSummary("List executions, newest first")
            .WithDescription("`status=dead` lists the dead letters. Also `scheduleId`, `limit` (1–500) and `cursor`.");
        group.MapGet("/{id:guid}", Get).WithName("GetExecution").WithSummary("An execution with every attempt (time, duration, HTTP status or error)");
        group.MapPost("/{id:guid}/redrive", Redrive).WithName("RedriveExecution").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Redrive a dead execution")
            .WithDescription("Gives it a fresh budget of attempts under the same execution id, delivered to the schedule's current target (so: fix the target, then redrive).");
        return app;
    }

    private static Task<Results<Ok<ExecutionPage>, ValidationProblem>> List(ClaimsPrincipal user, HistoryStore history, CancellationToken cancellationToken,
        string? status = null, Guid? scheduleId = null, int? limit = null, string? cursor = null) =>
        Page(user.Tenant(), history, scheduleId, status, limit, cursor, cancellationToken);

    internal static async Task<Results<Ok<ExecutionPage>, ValidationProblem, ProblemHttpResult>> ListForSchedule(Guid id, ClaimsPrincipal user, HistoryStore history,
        ScheduleStore schedules, CancellationToken cancellationToken, string? status = null, int? limit = null, string? cursor = null)
    {
        if (await schedules.GetAsync(user.Tenant(), id, cancellationToken) is null)
        {
            // A deleted schedule's history is still listed under /executions?scheduleId=….
            return Problems.NotFound("schedule");
        }
        return await Page(user.Tenant(), history, id, status, limit, cursor, cancellationToken) switch
        {
            { Result: Ok<ExecutionPage> ok } => ok,
            { Result: ValidationProblem invalid } => invalid,
            _ => throw new InvalidOperationException("unexpected result"),
        };
    }

    private static async Task<Results<Ok<ExecutionResponse>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, HistoryStore history, CancellationToken cancellationToken) =>
        await history.GetAsync(user.Tenant(), id, cancellationToken) is { } found
            ? TypedResults.Ok(ExecutionResponse.From(found.Execution, found.Attempts))
            : Problems.NotFound("execution");

    private static async Task<Results<Ok<ExecutionResponse>, ProblemHttpResult>> Redrive(Guid id, ClaimsPrincipal user, HistoryStore history, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await history.RedriveAsync(user.Tenant(), id, time.GetUtcNow(), cancellationToken) is { } redriven)
        {
            return TypedResults.Ok(ExecutionResponse.From(redriven));
        }
        return await history.GetAsync(user.Tenant(), id, cancellationToken) switch
        {
            { Execution.WorkflowRunId: { } run } => Problems.Conflict("A workflow step is not redriven on its own.",
                $"Resume its run instead (POST /api/v1/workflow-runs/{run}/resume), or rerun the step (POST /api/v1/workflow-runs/{run}/rerun): the run then knows what its steps did."),
            { } existing => Problems.Conflict("Only dead executions can be redriven.", $"This execution is {existing.Execution.Status}."),
            _ => Problems.NotFound("execution"),
        };
    }

    internal static async Task<Results<Ok<RedriveResult>, ProblemHttpResult>> RedriveSchedule(Guid id, ClaimsPrincipal user, HistoryStore history, ScheduleStore schedules,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (await schedules.GetAsync(user.Tenant(), id, cancellationToken) is null)
        {
            return Problems.NotFound("schedule");
        }
        var redriven = await history.RedriveScheduleAsync(user.Tenant(), id, time.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(new RedriveResult(redriven.Count, redriven.Select(e => ExecutionResponse.From(e)).ToList()));
    }

    private static async Task<Results<Ok<ExecutionPage>, ValidationProblem>> Page(string tenant, HistoryStore history, Guid? scheduleId, string? status,
        int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (size, before) = IdPaging.Parse(limit, cursor, errors);
        if (status is not null && !Statuses.Contains(status))
        {
            errors.Add("status", $"'{status}' is not a status; use one of {string.Join(", ", Statuses)}");
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        var page = await history.ListAsync(tenant, scheduleId, status, before, size, cancellationToken);
        return TypedResults.Ok(new ExecutionPage(page.Select(e => ExecutionResponse.From(e)).ToList(), IdPaging.Next(page, size, e => e.Id)));
    }
}
