using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Scheduler.Common.Backfills;
using Scheduler.Common.Calendars;
using Scheduler.Common.Schedules;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Targets;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Backfills;
using Scheduler.Crud.Api.Calendars;
using Scheduler.Crud.Api.Executions;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Secrets;
using Scheduler.Crud.Api.Workflows;
using Scheduler.Storage.Calendars;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Schedules;
using Scheduler.Storage.Secrets;
using Scheduler.Storage.Workflows;

namespace Scheduler.Crud.Api.Schedules;

public static class SchedulesApi
{
    public const int MaxPageSize = 500;

    internal static readonly string[] States = ["active", "paused", "completed"];
    internal static readonly string[] TargetTypes = TargetKinds.All.Select(k => k.Name).ToArray();

    public static IEndpointRouteBuilder MapSchedulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/schedules").WithTags("Schedules").RequireAuthorization(Scopes.Read);
        group.MapPost("/", Create).WithName("CreateSchedule").RequireAuthorization(Scopes.Write).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create a schedule")
            .WithDescription("Exactly one of `cron` (5 fields, or 6 with seconds, read in `timeZone`), `runAt` (ISO 8601 with offset), `delay` (`PT90S`, `90s`, `1h30m`) or `manual: true` (no timer). A cron schedule may follow a `calendar` (`nonBusinessDay`: skip, previous, next; or `businessDaysOfMonth`), a window (`startAt`, `endAt`), `jitter` and a `catchUp` policy; `state: paused` creates it paused. Every wrong field is reported at once. Returns the schedule with its first `nextFireAt`.");
        group.MapGet("/", List).WithName("ListSchedules")
            .WithSummary("List schedules, a page at a time")
            .WithDescription("Filters: `name` (contains, case-insensitive), `label` (`key=value`, repeatable), `state`, `targetType`, `nextFireBefore`, `nextFireAfter`. `sort` is `created` (oldest first, the default), `newest` (newest first) or `nextFire` (soonest first, nothing pending last). Pass `nextCursor` back as `cursor` for the next page.");
        group.MapGet("/{id:guid}", Get).WithName("GetSchedule")
            .WithSummary("Get a schedule").WithDescription("The `ETag` header is the schedule's version: send it as `If-Match` on writes to avoid lost updates.");
        group.MapPut("/{id:guid}", Replace).WithName("ReplaceSchedule").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Replace a schedule")
            .WithDescription("Replaces the whole definition and reschedules from now (a paused schedule stays paused). Send `If-Match` with the ETag you read to get 412 instead of overwriting someone else's change.");
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteSchedule").RequireAuthorization(Scopes.Write).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Delete a schedule").WithDescription("It stops firing and its name is free again; its executions stay readable.");
        group.MapPost("/{id:guid}/pause", Pause).WithName("PauseSchedule").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Pause a schedule (nothing fires until it is resumed)").WithDescription("409 when it is not active (already paused, or completed).");
        group.MapPost("/{id:guid}/resume", Resume).WithName("ResumeSchedule").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Resume a paused schedule").WithDescription("It fires from now on; occurrences while it was paused are skipped. A one-shot whose time passed fires at once. 409 when it is not paused (active, or completed: a completed schedule cannot be resumed), or when it has no occurrence from now (it stays paused).");
        group.MapPost("/{id:guid}/trigger", Trigger).WithName("TriggerSchedule").RequireAuthorization(Scopes.Write)
            .WithSummary("Fire a schedule now, out of band")
            .WithDescription("Creates an execution of its own (origin `manual`), delivered by the next executor poll; the schedule's own timing is unchanged. History mode: `logicalDate` (a past instant: a cron job runs for its latest occurrence at or before it, with that occurrence's data interval) or `intervalStart` and `intervalEnd`. `parameters` are checked against the schedule's declared ones (defaults filled in).");
        group.MapGet("/{id:guid}/next", Next).WithName("NextFireTimes")
            .WithSummary("The next fire times")
            .WithDescription("`count` from 1 to 100 (default 5); `from`, an ISO 8601 instant to look from (default now), to check next March's DST change or next Christmas. As if the schedule were active; lists what the calendar moved or skipped, and with jitter when each fires.");
        group.MapGet("/{id:guid}/executions", ExecutionsApi.ListForSchedule).WithName("ListScheduleExecutions")
            .WithSummary("The schedule's executions, newest first").WithTags("Executions");
        group.MapPost("/{id:guid}/executions/redrive", ExecutionsApi.RedriveSchedule).WithName("RedriveScheduleDeadLetters").RequireAuthorization(Scopes.Write)
            .WithSummary("Redrive every dead execution of the schedule").WithTags("Executions");
        return app;
    }

    private static async Task<Results<Created<ScheduleResponse>, ValidationProblem, ProblemHttpResult>> Create(
        ScheduleRequest request, ClaimsPrincipal user, ScheduleStore store, CalendarStore calendars, WorkflowStore workflows, SecretStore secrets, TargetChecks targetChecks,
        TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var calendar = await CalendarsApi.FindAsync(calendars, user.Tenant(), request.Calendar, cancellationToken);
        var workflow = await WorkflowsApi.TargetExistsAsync(workflows, user.Tenant(), request.Target, cancellationToken);
        var errors = ValidateWrite(request, now, await targetChecks.ForAsync(user.Tenant(), [request.Target], cancellationToken), storedSecrets: null, calendar, out var definition, workflow);
        if (definition is not null)
        {
            await SecretsApi.CheckReferencesAsync(secrets, user.Tenant(), definition.SecretRefs, "target.headers", errors, cancellationToken);
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The schedule is invalid.");
        }
        var created = await store.InsertAsync(user.Tenant(), definition!, now, cancellationToken);
        if (created is null)
        {
            return Problems.NameTaken(definition!.Name);
        }
        response.Headers.ETag = Versions.ETag(created.Version);
        return TypedResults.Created($"/api/v1/schedules/{created.Id}", ScheduleResponse.From(created));
    }

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, ScheduleStore store, HttpResponse response,
        CancellationToken cancellationToken)
    {
        if (await store.GetAsync(user.Tenant(), id, cancellationToken) is not { } record)
        {
            return Problems.NotFound("schedule");
        }
        response.Headers.ETag = Versions.ETag(record.Version);
        return TypedResults.Ok(ScheduleResponse.From(record));
    }

    private static async Task<Results<Ok<SchedulePage>, ValidationProblem>> List(
        ClaimsPrincipal user, ScheduleStore store, CancellationToken cancellationToken,
        int? limit = null, string? cursor = null, string? name = null, [FromQuery(Name = "label")] string[]? labels = null, string? state = null,
        string? targetType = null, string? nextFireBefore = null, string? nextFireAfter = null, string? sort = null)
    {
        var errors = new ValidationErrors();
        var size = limit ?? 50;
        if (size is < 1 or > MaxPageSize)
        {
            errors.Add("limit", $"must be between 1 and {MaxPageSize}, got {size}");
        }
        var order = sort switch
        {
            null or "created" => ScheduleSort.Created,
            "newest" => ScheduleSort.Newest,
            "nextFire" => ScheduleSort.NextFire,
            _ => Invalid(errors, "sort", $"'{sort}' is not a sort order; use 'created', 'newest' or 'nextFire'", ScheduleSort.Created),
        };
        if (!ScheduleCursor.TryDecode(cursor, order, out var after))
        {
            errors.Add("cursor", "is not a cursor this API returned for this sort order");
        }
        if (state is not null && !States.Contains(state))
        {
            errors.Add("state", $"'{state}' is not a state; use one of {string.Join(", ", States)}");
        }
        if (targetType is not null && !TargetTypes.Contains(targetType))
        {
            errors.Add("targetType", $"'{targetType}' is not a target type; use one of {string.Join(", ", TargetTypes)}");
        }
        if (name is { Length: > ScheduleValidator.MaxNameLength })
        {
            errors.Add("name", $"is longer than {ScheduleValidator.MaxNameLength} characters");
        }
        var labelFilter = LabelFilter.Parse(labels, errors);
        var before = Instant(nextFireBefore, "nextFireBefore", errors);
        var afterInstant = Instant(nextFireAfter, "nextFireAfter", errors);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }

        var page = await store.ListAsync(new ScheduleQuery
        {
            Tenant = user.Tenant(),
            Limit = size,
            NameContains = name,
            Labels = labelFilter,
            State = state,
            TargetType = targetType,
            NextFireBefore = before,
            NextFireAfter = afterInstant,
            Sort = order,
            After = after,
        }, cancellationToken);
        var next = page.Count == size ? ScheduleCursor.For(order, page[^1]).Encode() : null;
        return TypedResults.Ok(new SchedulePage(page.Select(ScheduleResponse.From).ToList(), next));
    }

    private static async Task<Results<Ok<ScheduleResponse>, ValidationProblem, ProblemHttpResult>> Replace(
        Guid id, ScheduleRequest request, ClaimsPrincipal user, ScheduleStore store, CalendarStore calendars, WorkflowStore workflows, SecretStore secrets,
        TargetChecks targetChecks, TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (await store.GetAsync(user.Tenant(), id, cancellationToken) is not { } current)
        {
            return Problems.NotFound("schedule");
        }
        var calendar = await CalendarsApi.FindAsync(calendars, user.Tenant(), request.Calendar, cancellationToken);
        var workflow = await WorkflowsApi.TargetExistsAsync(workflows, user.Tenant(), request.Target, cancellationToken);
        var errors = ValidateWrite(request, now, await targetChecks.ForAsync(user.Tenant(), [request.Target], cancellationToken), store.StoredSecrets(current), calendar, out var definition, workflow);
        if (definition is not null)
        {
            await SecretsApi.CheckReferencesAsync(secrets, user.Tenant(), definition.SecretRefs, "target.headers", errors, cancellationToken);
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The schedule is invalid.");
        }
        return Changed(await store.ReplaceAsync(user.Tenant(), id, Versions.Expected(http), definition!, now, cancellationToken), http.HttpContext.Response, definition!.Name);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, ClaimsPrincipal user, ScheduleStore store, TimeProvider time, HttpRequest http,
        CancellationToken cancellationToken)
    {
        var change = await store.DeleteAsync(user.Tenant(), id, Versions.Expected(http), time.GetUtcNow(), cancellationToken);
        return change.Status switch
        {
            ScheduleChangeStatus.Done => TypedResults.NoContent(),
            ScheduleChangeStatus.VersionMismatch => Problems.VersionMismatch(change.Schedule!.Version),
            _ => Problems.NotFound("schedule"),
        };
    }

    private static async Task<Results<Ok<ScheduleResponse>, ValidationProblem, ProblemHttpResult>> Pause(Guid id, ClaimsPrincipal user, ScheduleStore store, TimeProvider time,
        HttpRequest http, CancellationToken cancellationToken) =>
        Changed(await store.PauseAsync(user.Tenant(), id, Versions.Expected(http), time.GetUtcNow(), cancellationToken), http.HttpContext.Response, null);

    private static async Task<Results<Ok<ScheduleResponse>, ValidationProblem, ProblemHttpResult>> Resume(Guid id, ClaimsPrincipal user, ScheduleStore store, TimeProvider time,
        HttpRequest http, CancellationToken cancellationToken) =>
        Changed(await store.ResumeAsync(user.Tenant(), id, Versions.Expected(http), time.GetUtcNow(), cancellationToken), http.HttpContext.Response, null);

    private static async Task<Results<Accepted<ExecutionResponse>, ValidationProblem, ProblemHttpResult>> Trigger(Guid id, RunNowRequest? request,
        ClaimsPrincipal user, ScheduleStore store, CalendarStore calendars, HistoryStore history, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (await store.GetAsync(user.Tenant(), id, cancellationToken) is not { } schedule)
        {
            return Problems.NotFound("schedule");
        }
        var errors = new ValidationErrors();
        var calendar = await calendars.OfScheduleAsync(schedule, cancellationToken);
        if (HistoryRuns.ForSchedule(schedule, calendar, request ?? new RunNowRequest(), now, errors) is not { } run)
        {
            return Problems.Invalid(errors, "The trigger is invalid.");
        }
        return await history.TriggerAsync(user.Tenant(), id, run, now, cancellationToken) is { } execution
            ? TypedResults.Accepted($"/api/v1/executions/{execution.Id}", ExecutionResponse.From(execution))
            : Problems.NotFound("schedule");
    }

    private static async Task<Results<Ok<NextFireTimes>, ValidationProblem, ProblemHttpResult>> Next(Guid id, ClaimsPrincipal user, ScheduleStore store,
        CalendarStore calendars, TimeProvider time, CancellationToken cancellationToken, int? count = null, string? from = null)
    {
        var errors = new ValidationErrors();
        if (count is < 1 or > 100)
        {
            errors.Add("count", $"must be between 1 and 100, got {count}");
        }
        var start = Instant(from, "from", errors);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        if (await store.GetAsync(user.Tenant(), id, cancellationToken) is not { } record)
        {
            return Problems.NotFound("schedule");
        }
        var calendar = await calendars.OfScheduleAsync(record, cancellationToken);
        return TypedResults.Ok(NextFireTimes.For(record.Timing, calendar, start ?? time.GetUtcNow(), count ?? 5, record.Id));
    }

    private static Results<Ok<ScheduleResponse>, ValidationProblem, ProblemHttpResult> Changed(ScheduleChange change, HttpResponse response, string? name)
    {
        switch (change.Status)
        {
            case ScheduleChangeStatus.Done:
                response.Headers.ETag = Versions.ETag(change.Schedule!.Version);
                return TypedResults.Ok(ScheduleResponse.From(change.Schedule));
            case ScheduleChangeStatus.VersionMismatch:
                return Problems.VersionMismatch(change.Schedule!.Version);
            case ScheduleChangeStatus.NameTaken:
                return Problems.NameTaken(name ?? "");
            case ScheduleChangeStatus.WrongState:
                return Problems.Conflict($"The schedule is {change.Schedule!.State}.", change.Refusal!);
            default:
                return Problems.NotFound("schedule");
        }
    }

    /// <summary>
    /// The request validated, its target checked as only the server can (<see cref="TargetCheck"/>), and each <c>***</c> secret
    /// replaced by the one already stored (secrets are write-only, so this is how a client keeps one).
    /// </summary>
    /// <param name="storedSecrets">The stored schedule's secrets in clear (<see cref="ScheduleStore.StoredSecrets"/>); null when creating.</param>
    /// <param name="workflowFound">For a workflow target: whether the caller found the workflow it names.</param>
    internal static ValidationErrors ValidateWrite(ScheduleRequest request, DateTimeOffset now, TargetCheck targets, IReadOnlyDictionary<string, string>? storedSecrets,
        CalendarReference? calendar, out ScheduleDefinition? definition, bool? workflowFound = null)
    {
        var errors = ScheduleValidator.Validate(request, now, out definition, calendar);
        if (definition?.Target is WorkflowTarget started && workflowFound != true)
        {
            errors.Add("target.workflow", $"there is no workflow named '{ValidationErrors.Excerpt(started.Workflow)}'; create it first (POST /api/v1/workflows)");
        }
        // Checked even when other fields are wrong, so that every problem is reported at once.
        targets.Check(request.Target, "", errors);
        if (definition is null || !errors.IsValid)
        {
            definition = null;
            return errors;
        }
        targets.CheckGrant(definition.Target, "", errors);
        var target = definition.Target.MapSecrets((field, value) =>
        {
            if (value != SensitiveHeaders.Redacted)
            {
                return value;
            }
            if (storedSecrets?.TryGetValue(field, out var kept) == true)
            {
                return kept;
            }
            errors.Add(field, $"'{SensitiveHeaders.Redacted}' keeps the stored secret, but there is none (or it no longer decrypts for this schedule); send the secret itself");
            return value;
        });
        definition = errors.IsValid ? definition with { Target = target } : null;
        return errors;
    }

    internal static DateTimeOffset? Instant(string? text, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at.ToUniversalTime();
        }
        errors.Add(field, $"'{text}' is not an ISO 8601 instant, e.g. 2030-01-01T09:00:00Z");
        return null;
    }

    private static T Invalid<T>(ValidationErrors errors, string field, string message, T fallback)
    {
        errors.Add(field, message);
        return fallback;
    }
}

/// <summary>Upcoming fire times and the schedule in words.</summary>
/// <param name="FireTimes">The occurrences (each execution's scheduled time).</param>
/// <param name="Description">The timing in plain language.</param>
/// <param name="Adjustments">Occurrences of the base timing that the calendar moved or skipped, with the reason.</param>
/// <param name="FiresAt">With jitter, for a saved schedule: when each occurrence is delivered (its time plus its stable delay).</param>
public sealed record NextFireTimes(IReadOnlyList<DateTimeOffset> FireTimes, string Description, IReadOnlyList<Adjustment> Adjustments,
    IReadOnlyList<DateTimeOffset>? FiresAt)
{
    internal static NextFireTimes For(ScheduleTiming timing, BusinessCalendar? calendar, DateTimeOffset from, int count, Guid? scheduleId)
    {
        var occurrences = timing.Occurrences(calendar);
        var times = occurrences.Upcoming(from, count);
        var adjustments = times.Count == 0 ? [] : occurrences.Adjustments(from, times[^1]);
        var firesAt = timing.Jitter is not null && scheduleId is { } id ? times.Select(t => t + Jitter.For(id, t, timing.Jitter)).ToList() : null;
        return new NextFireTimes(times, ScheduleDescriber.Describe(timing), adjustments, firesAt);
    }
}
