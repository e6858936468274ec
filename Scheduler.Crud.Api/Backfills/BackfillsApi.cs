using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Backfills;
using Scheduler.Common.Parameters;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Http;
using Scheduler.Storage.Backfills;
using Scheduler.Storage.Calendars;
using Scheduler.Storage.Schedules;
using Scheduler.Storage.Workflows;

namespace Scheduler.Crud.Api.Backfills;

/// <summary>
/// Backfills: a range of a schedule's or a workflow's history run again as runs of one occurrence, day, week or month each,
/// at most <c>maxActiveRuns</c> at once, oldest first; a dry run lists them first.
/// </summary>
public static class BackfillsApi
{
    /// <summary>The most runs a dry run lists (it counts them all).</summary>
    public const int MaxListedRuns = 1_000;

    internal static readonly string[] Statuses = ["running", "paused", "completed", "cancelled"];

    private const string CreateDescription =
        "`start` and `end` (instants, or dates read in the job's time zone; `end` not in the future; at most 3660 days and 50,000 runs), `batch` " +
        "(`occurrence`: one run per interval between two occurrences that starts in the range and has ended — the default for cron; `day`, `week`, " +
        "`month`: one run per such period in the job's zone that the job fires in), `maxActiveRuns` (1–100, default 1), `parameters` (checked against the job's declaration) and `rerun` " +
        "(run intervals an earlier backfill ran again). `dryRun: true` answers 200 with the runs it would make and stores nothing; otherwise 201, its " +
        "first runs started. Its runs have origin `backfill` and leave the job's own occurrences alone.";

    public static IEndpointRouteBuilder MapBackfillsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/schedules/{id:guid}/backfills", CreateForSchedule).WithName("CreateScheduleBackfill").WithTags("Backfills")
            .RequireAuthorization(Scopes.Write).WithSummary("Backfill a schedule: run a range of its history").WithDescription(CreateDescription);
        app.MapPost("/api/v1/workflows/{id:guid}/backfills", CreateForWorkflow).WithName("CreateWorkflowBackfill").WithTags("Backfills")
            .RequireAuthorization(Scopes.Write).WithSummary("Backfill a workflow: run a range of history as workflow runs")
            .WithDescription(CreateDescription + " A workflow has no timing: its backfills are cut by day, week or month in UTC.");
        var group = app.MapGroup("/api/v1/backfills").WithTags("Backfills").RequireAuthorization(Scopes.Read);
        group.MapGet("/", List).WithName("ListBackfills").WithSummary("List backfills, newest first")
            .WithDescription("Filters `scheduleId`, `workflowId`, `status`; `limit` (1–500), `cursor`.");
        group.MapGet("/{id:guid}", Get).WithName("GetBackfill").WithSummary("A backfill and its progress");
        group.MapGet("/{id:guid}/runs", Runs).WithName("ListBackfillRuns").WithSummary("A backfill's runs in order, each with its state")
            .WithDescription("`limit` (1–500), `cursor`.");
        group.MapPost("/{id:guid}/pause", Pause).WithName("PauseBackfill").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Pause a backfill: nothing new starts; runs in progress go on");
        group.MapPost("/{id:guid}/resume", Resume).WithName("ResumeBackfill").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Resume a paused backfill");
        group.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelBackfill").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Cancel a backfill").WithDescription("Nothing new starts, and its runs in progress are cancelled (as cancelling each would).");
        return app;
    }

    private static async Task<Results<Created<BackfillResponse>, Ok<BackfillPlanResponse>, ValidationProblem, ProblemHttpResult>> CreateForSchedule(Guid id,
        BackfillRequest request, ClaimsPrincipal user, ScheduleStore schedules, CalendarStore calendars, BackfillStore backfills, TimeProvider time,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (await schedules.GetAsync(user.Tenant(), id, cancellationToken) is not { } schedule)
        {
            return Problems.NotFound("schedule");
        }
        var errors = new ValidationErrors();
        var created = await ForScheduleAsync(schedule, request, calendars, backfills, time.GetUtcNow(), errors, cancellationToken);
        return Answer(created, errors, response);
    }

    private static async Task<Results<Created<BackfillResponse>, Ok<BackfillPlanResponse>, ValidationProblem, ProblemHttpResult>> CreateForWorkflow(Guid id,
        BackfillRequest request, ClaimsPrincipal user, WorkflowStore workflows, BackfillStore backfills, TimeProvider time, HttpResponse response,
        CancellationToken cancellationToken)
    {
        if (await workflows.GetAsync(user.Tenant(), id, cancellationToken) is not { } workflow)
        {
            return Problems.NotFound("workflow");
        }
        var errors = new ValidationErrors();
        var created = await ForWorkflowAsync(workflow, request, backfills, time.GetUtcNow(), errors, cancellationToken);
        return Answer(created, errors, response);
    }

    /// <summary>A schedule's backfill (or its dry run), cut by the schedule's timing and calendar; null with <paramref name="errors"/> when invalid.</summary>
    internal static async Task<BackfillCreated?> ForScheduleAsync(ScheduleRecord schedule, BackfillRequest request, CalendarStore calendars,
        BackfillStore backfills, DateTimeOffset now, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var timing = schedule.Timing;
        var calendar = await calendars.OfScheduleAsync(schedule, cancellationToken);
        var plan = BackfillPlanner.Plan(request, timing, timing.OccurrencesIfCalendar(calendar), now, errors);
        var parameters = ParameterValidator.Resolve(schedule.Parameters, request.Parameters, "parameters", errors);
        return errors.IsValid
            ? await backfills.CreateAsync(new BackfillJob(schedule.Tenant, schedule.Id, null, schedule.Name), plan!, parameters!.ToJsonString(),
                request.DryRun ?? false, now, cancellationToken)
            : null;
    }

    /// <summary>A workflow's backfill (or its dry run), cut by day, week or month in UTC (a workflow has no timing).</summary>
    internal static async Task<BackfillCreated?> ForWorkflowAsync(WorkflowRecord workflow, BackfillRequest request, BackfillStore backfills, DateTimeOffset now,
        ValidationErrors errors, CancellationToken cancellationToken)
    {
        var plan = BackfillPlanner.Plan(request, null, null, now, errors);
        var parameters = ParameterValidator.Resolve(workflow.Parameters, request.Parameters, "parameters", errors);
        return errors.IsValid
            ? await backfills.CreateAsync(new BackfillJob(workflow.Tenant, null, workflow.Id, workflow.Name), plan!, parameters!.ToJsonString(),
                request.DryRun ?? false, now, cancellationToken)
            : null;
    }

    private static Results<Created<BackfillResponse>, Ok<BackfillPlanResponse>, ValidationProblem, ProblemHttpResult> Answer(BackfillCreated? created,
        ValidationErrors errors, HttpResponse response)
    {
        if (created is null)
        {
            return Problems.Invalid(errors, "The backfill is invalid.");
        }
        if (created.Backfill is not { } backfill)
        {
            return TypedResults.Ok(BackfillPlanResponse.From(created));
        }
        response.Headers.ETag = Versions.ETag(backfill.Version);
        return TypedResults.Created($"/api/v1/backfills/{backfill.Id}", BackfillResponse.From(backfill));
    }

    private static async Task<Results<Ok<BackfillPage>, ValidationProblem>> List(ClaimsPrincipal user, BackfillStore backfills,
        CancellationToken cancellationToken, Guid? scheduleId = null, Guid? workflowId = null, string? status = null, int? limit = null, string? cursor = null)
    {
        var errors = new ValidationErrors();
        var (size, after) = IdPaging.Parse(limit, cursor, errors);
        if (status is not null && !Statuses.Contains(status))
        {
            errors.Add("status", $"'{ValidationErrors.Excerpt(status)}' is not a backfill status; use one of {string.Join(", ", Statuses)}");
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        var page = await backfills.ListAsync(user.Tenant(), scheduleId, workflowId, status, after, size, cancellationToken);
        return TypedResults.Ok(new BackfillPage(page.Select(BackfillResponse.From).ToList(), IdPaging.Next(page, size, b => b.Id)));
    }

    private static async Task<Results<Ok<BackfillResponse>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, BackfillStore backfills,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (await backfills.GetAsync(user.Tenant(), id, cancellationToken) is not { } backfill)
        {
            return Problems.NotFound("backfill");
        }
        response.Headers.ETag = Versions.ETag(backfill.Version);
        return TypedResults.Ok(BackfillResponse.From(backfill));
    }

    private static async Task<Results<Ok<BackfillRunPage>, ValidationProblem, ProblemHttpResult>> Runs(Guid id, ClaimsPrincipal user, BackfillStore backfills,
        CancellationToken cancellationToken, int? limit = null, string? cursor = null)
    {
        var size = limit ?? 50;
        var errors = new ValidationErrors();
        if (size is < 1 or > Schedules.SchedulesApi.MaxPageSize)
        {
            errors.Add("limit", $"must be between 1 and {Schedules.SchedulesApi.MaxPageSize}, got {size}");
        }
        var after = -1;
        if (cursor is not null && (!int.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out after)))
        {
            errors.Add("cursor", "is not a cursor this API returned");
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        if (await backfills.GetAsync(user.Tenant(), id, cancellationToken) is null)
        {
            return Problems.NotFound("backfill");
        }
        var page = await backfills.RunsAsync(id, after, size, cancellationToken);
        return TypedResults.Ok(new BackfillRunPage(page.Select(BackfillRunResponse.From).ToList(),
            page.Count == size ? page[^1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) : null));
    }

    private static async Task<Results<Ok<BackfillResponse>, ProblemHttpResult>> Pause(Guid id, ClaimsPrincipal user, BackfillStore backfills, TimeProvider time,
        HttpRequest http, CancellationToken cancellationToken) =>
        Changed(await backfills.PauseAsync(user.Tenant(), id, Versions.Expected(http), time.GetUtcNow(), cancellationToken), http.HttpContext.Response);

    private static async Task<Results<Ok<BackfillResponse>, ProblemHttpResult>> Resume(Guid id, ClaimsPrincipal user, BackfillStore backfills, TimeProvider time,
        HttpRequest http, CancellationToken cancellationToken) =>
        Changed(await backfills.ResumeAsync(user.Tenant(), id, Versions.Expected(http), time.GetUtcNow(), cancellationToken), http.HttpContext.Response);

    private static async Task<Results<Ok<BackfillResponse>, ProblemHttpResult>> Cancel(Guid id, ClaimsPrincipal user, BackfillStore backfills, TimeProvider time,
        HttpRequest http, CancellationToken cancellationToken) =>
        Changed(await backfills.CancelAsync(user.Tenant(), id, Versions.Expected(http), time.GetUtcNow(), cancellationToken), http.HttpContext.Response);

    private static Results<Ok<BackfillResponse>, ProblemHttpResult> Changed(BackfillChange change, HttpResponse response)
    {
        switch (change.Status)
        {
            case BackfillChangeStatus.Done:
                response.Headers.ETag = Versions.ETag(change.Backfill!.Version);
                return TypedResults.Ok(BackfillResponse.From(change.Backfill));
            case BackfillChangeStatus.VersionMismatch:
                return Problems.VersionMismatch(change.Backfill!.Version, "backfill");
            case BackfillChangeStatus.Finished:
                return Problems.Conflict("The backfill has finished.", $"It is {change.Backfill!.Status}; a finished backfill cannot change. Create another.");
            default:
                return Problems.NotFound("backfill");
        }
    }
}
