using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Results;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Executions;
using Scheduler.Crud.Api.Http;
using Scheduler.Storage.Results;

namespace Scheduler.Crud.Api.Results;

/// <summary>What the worker learns from its report: where the run stands, and whether it should stop.</summary>
/// <param name="Status">The execution's status after the report (<c>running</c>, <c>cancelling</c>, <c>succeeded</c>, …).</param>
/// <param name="Cancel">True when the run has been asked to stop: finish up and report <c>cancelled</c>.</param>
public sealed record ReportResponse(Guid ExecutionId, int Attempt, string Status, bool Cancel);

/// <summary>Result tracking over HTTP: workers report on their runs; users cancel runs.</summary>
public static class ResultsApi
{
    public static IEndpointRouteBuilder MapResultsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/executions/{id:guid}/attempts/{attempt:int}/report", Report).WithName("ReportRun").WithTags("Results")
            .RequireAuthorization(ReportTokenAuthenticationHandler.Policy)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("A worker reports on its run (authorised by the trigger's report token, not an API key)")
            .WithDescription("""
                The trigger of a schedule with `completion` carries this address (`scheduleman-callback-url`) and a token valid for
                this execution only (`scheduleman-report-token`), sent as `Authorization: Bearer <token>`. Report `running` as a
                heartbeat (optionally with `progress` and `message`), then `succeeded` (with a small JSON `output`) or `failed`
                (with an `error`); a run asked to stop (`cancel: true` in the answer) reports `cancelled`. A final report sent twice
                is accepted once; a report on an attempt that has already ended is kept with it and answered 409.
                """);
        app.MapPost("/api/v1/executions/{id:guid}/cancel", Cancel).WithName("CancelExecution").WithTags("Executions")
            .RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Cancel an unfinished execution")
            .WithDescription("""
                A run in progress becomes `cancelling`: its worker learns it in the answer to its next report and ends the run as
                `cancelled` (or it times out as usual and ends cancelled). One not yet delivered, or waiting for a retry, ends as
                `cancelled` at once; a tracked one being delivered right now becomes `cancelling` or `cancelled` when that delivery
                ends. An execution without result tracking that is being delivered ends with that delivery: 409.
                """);
        return app;
    }

    private static async Task<Results<Ok<ReportResponse>, ValidationProblem, ProblemHttpResult>> Report(Guid id, int attempt, RunReportRequest report,
        ResultStore store, ResultsTelemetry telemetry, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = RunReport.Validate(report, out var valid);
        if (attempt < 1)
        {
            errors.Add("attempt", $"must be 1 or more, got {attempt}");
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        var result = await store.ReportAsync(id, attempt, valid!, time.GetUtcNow(), cancellationToken);
        telemetry.Reported(valid!.Status, result);
        return result.Outcome switch
        {
            ReportOutcome.Accepted or ReportOutcome.Duplicate => TypedResults.Ok(new ReportResponse(id, attempt, result.Execution!.Status,
                result.Execution.Status == "cancelling" || (result.Execution.CancelRequestedAt is not null && result.Execution.Status is not ("succeeded" or "cancelled")))),
            ReportOutcome.NotFound => Problems.NotFound("execution"),
            ReportOutcome.NotTracked => Problems.Conflict("This execution does not track results.",
                "Its schedule has no 'completion', so the run ended when the trigger was delivered; there is nothing to report on."),
            _ => Problems.Conflict("This attempt has already ended; the report was kept with it and changed nothing.",
                attempt == result.CurrentAttempt
                    ? $"Attempt {attempt} ended before this report (the execution is {result.CurrentStatus})."
                    : $"The execution is on attempt {result.CurrentAttempt} ({result.CurrentStatus}), not {attempt}."),
        };
    }

    private static async Task<Results<Ok<ExecutionResponse>, ProblemHttpResult>> Cancel(Guid id, ClaimsPrincipal user, ResultStore store, TimeProvider time,
        CancellationToken cancellationToken) =>
        await store.CancelAsync(user.Tenant(), id, time.GetUtcNow(), cancellationToken) switch
        {
            null => Problems.NotFound("execution"),
            { Execution: { } execution } => TypedResults.Ok(ExecutionResponse.From(execution)),
            { FinishedAs: var status } => Problems.Conflict("Only unfinished executions can be cancelled.", $"This execution is {status}."),
        };
}
