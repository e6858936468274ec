using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Outages;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Schedules;
using Scheduler.Storage.Outages;

namespace Scheduler.Crud.Api.Outages;

/// <summary>An outage as the API returns it.</summary>
/// <param name="State"><c>planned</c>, <c>in-force</c>, <c>ended</c> or <c>cancelled</c>, now.</param>
/// <param name="ManagedBy">The declarative source that manages it (<c>scheduleman apply --source</c>); absent: made in the API or the UI.</param>
public sealed record OutageResponse(Guid Id, string Name, string? Description, DateTimeOffset From, DateTimeOffset To, string Policy,
    IReadOnlyDictionary<string, string> Labels, string State, DateTimeOffset? CancelledAt, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? ManagedBy)
{
    public static OutageResponse Of(OutageRecord r, DateTimeOffset now) =>
        new(r.Id, r.Name, r.Description, r.StartsAt, r.EndsAt, r.Policy, r.LabelMap, r.StateAt(now), r.CancelledAt, r.Version, r.CreatedAt, r.UpdatedAt, r.ManagedBy);
}

/// <summary>A page of outages; pass <c>nextCursor</c> as <c>cursor</c> for the next (absent on the last page).</summary>
public sealed record OutagePage(IReadOnlyList<OutageResponse> Items, string? NextCursor);

/// <summary>Scheduled outages: planned quiet periods in which matching schedules skip or defer their occurrences.</summary>
public static class OutagesApi
{
    internal static readonly string[] States = ["planned", "in-force", "ended", "cancelled"];

    public static IEndpointRouteBuilder MapOutagesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/outages").WithTags("Outages").RequireAuthorization(Scopes.Read);
        group.MapPost("/", Create).WithName("CreateOutage").RequireAuthorization(Scopes.Write).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Plan an outage")
            .WithDescription("From `from` to `to`, the occurrences of every schedule whose labels include `labels` (none: all) are skipped (`policy: skip`, each recorded as a skipped execution naming the outage) or deferred (`policy: defer`, one execution fires at the end for them).");
        group.MapGet("/", List).WithName("ListOutages").WithSummary("List outages, a page at a time")
            .WithDescription("`state` is `planned`, `in-force`, `ended` or `cancelled`; `limit` (1–500), `cursor`.");
        group.MapGet("/{id:guid}", Get).WithName("GetOutage").WithSummary("Get an outage");
        group.MapPut("/{id:guid}", Replace).WithName("ReplaceOutage").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Change an outage that has not ended").WithDescription("Shortening one in force releases what it deferred, as ending it does.");
        group.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelOutage").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Cancel an outage").WithDescription("It stops applying at once; occurrences it deferred fire now.");
        group.MapPost("/{id:guid}/end", End).WithName("EndOutage").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("End an outage in force now").WithDescription("As if it had been planned to end now: what it deferred fires now, and schedules fire as usual from now.");
        return app;
    }

    private static async Task<Results<Created<OutageResponse>, ValidationProblem, ProblemHttpResult>> Create(OutageRequest request, ClaimsPrincipal user,
        OutageStore outages, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var errors = OutageValidator.Validate(request, now, out var spec);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The outage is invalid.");
        }
        if (await outages.InsertAsync(user.Tenant(), spec!, now, cancellationToken) is not { } created)
        {
            return Problems.NameTaken(spec!.Name, "outage");
        }
        response.Headers.ETag = Versions.ETag(created.Version);
        return TypedResults.Created($"/api/v1/outages/{created.Id}", OutageResponse.Of(created, now));
    }

    private static async Task<Results<Ok<OutagePage>, ValidationProblem>> List(ClaimsPrincipal user, OutageStore outages, TimeProvider time,
        CancellationToken cancellationToken, string? state = null, int? limit = null, string? cursor = null)
    {
        var errors = new ValidationErrors();
        var (size, after) = IdPaging.Parse(limit, cursor, errors);
        if (state is not null && !States.Contains(state))
        {
            errors.Add("state", $"'{state}' is not a state; use one of {string.Join(", ", States)}");
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        var now = time.GetUtcNow();
        var page = await outages.ListAsync(user.Tenant(), size, after, state, now, cancellationToken);
        return TypedResults.Ok(new OutagePage(page.Select(o => OutageResponse.Of(o, now)).ToList(), IdPaging.Next(page, size, e => e.Id)));
    }

    private static async Task<Results<Ok<OutageResponse>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, OutageStore outages, TimeProvider time,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (await outages.GetAsync(user.Tenant(), id, cancellationToken) is not { } record)
        {
            return Problems.NotFound("outage");
        }
        response.Headers.ETag = Versions.ETag(record.Version);
        return TypedResults.Ok(OutageResponse.Of(record, time.GetUtcNow()));
    }

    private static async Task<Results<Ok<OutageResponse>, ValidationProblem, ProblemHttpResult>> Replace(Guid id, OutageRequest request, ClaimsPrincipal user,
        OutageStore outages, TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var errors = OutageValidator.Validate(request, now, out var spec);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The outage is invalid.");
        }
        return Changed(await outages.ReplaceAsync(user.Tenant(), id, Versions.Expected(http), spec!, now, cancellationToken), http.HttpContext.Response, now,
            spec!.Name, "it has ended or was cancelled; plan a new one");
    }

    private static async Task<Results<Ok<OutageResponse>, ValidationProblem, ProblemHttpResult>> Cancel(Guid id, ClaimsPrincipal user, OutageStore outages,
        TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return Changed(await outages.CancelAsync(user.Tenant(), id, Versions.Expected(http), now, cancellationToken), http.HttpContext.Response, now, null,
            "it has already ended or was cancelled");
    }

    private static async Task<Results<Ok<OutageResponse>, ValidationProblem, ProblemHttpResult>> End(Guid id, ClaimsPrincipal user, OutageStore outages,
        TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return Changed(await outages.EndAsync(user.Tenant(), id, Versions.Expected(http), now, cancellationToken), http.HttpContext.Response, now, null,
            "only an outage in force can be ended; cancel a planned one");
    }

    private static Results<Ok<OutageResponse>, ValidationProblem, ProblemHttpResult> Changed(OutageChange change, HttpResponse response, DateTimeOffset now,
        string? name, string over)
    {
        switch (change.Status)
        {
            case OutageChangeStatus.Done:
                response.Headers.ETag = Versions.ETag(change.Outage!.Version);
                return TypedResults.Ok(OutageResponse.Of(change.Outage, now));
            case OutageChangeStatus.VersionMismatch:
                return Problems.VersionMismatch(change.Outage!.Version, "outage");
            case OutageChangeStatus.NameTaken:
                return Problems.NameTaken(name ?? "", "outage");
            case OutageChangeStatus.AlreadyOver:
                return Problems.Conflict($"The outage is {change.Outage!.StateAt(now)}.", $"Not changed: {over}.");
            default:
                return Problems.NotFound("outage");
        }
    }
}
