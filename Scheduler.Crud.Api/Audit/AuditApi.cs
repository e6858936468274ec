using Scheduler.Common;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Http;
using Scheduler.Storage.Audit;

namespace Scheduler.Crud.Api.Audit;

/// <summary>One change: who made it, when, from where (and which source revision), and the object before and after (secrets as <c>***</c>).</summary>
/// <param name="Source"><c>api</c>, <c>ui</c> or <c>cli</c>.</param>
/// <param name="Action">What was done: <c>create</c>, <c>replace</c>, <c>delete</c>, <c>pause</c>, <c>resume</c>, <c>cancel</c>, …</param>
/// <param name="Revision">The source revision a declarative apply sent (<c>Scheduleman-Revision</c>).</param>
public sealed record AuditEventResponse(Guid Id, DateTimeOffset At, AuditActorResponse Actor, string Source, string Action, string ObjectType, Guid ObjectId,
    string? ObjectName, JsonElement? Before, JsonElement? After, string? Revision, bool? RevisionDirty)
{
    public static AuditEventResponse From(AuditRecord r) => new(r.Id, r.At, new AuditActorResponse(r.ActorKeyId, r.ActorName), r.Source, r.Action,
        r.ObjectType, r.ObjectId, r.ObjectName, Parse(r.Before), Parse(r.After), r.Revision, r.RevisionDirty);

    private static JsonElement? Parse(string? json) => json is null ? null : SchedulerJson.ParseStored(json);
}

/// <summary>The API key that made a change: its id and its name.</summary>
public sealed record AuditActorResponse(string KeyId, string? Name);

public sealed record AuditPage(IReadOnlyList<AuditEventResponse> Items, string? NextCursor);

/// <summary>The audit trail: read-only for the API (rows are appended with each change and never changed).</summary>
public static class AuditApi
{
    internal static readonly string[] Sources = ["api", "ui", "cli"];

    internal static readonly string[] ObjectTypes = ["schedule", "calendar", "outage", "workflow", "secret", "backfill", "api-key", "execution", "workflow-run"];

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit", List).WithName("ListAuditEvents").WithTags("Audit").RequireAuthorization(Scopes.Read)
            .WithSummary("The audit trail, newest first")
            .WithDescription("Every change made through the API, the UI or the CLI: who (API key id and name), when, from where, the source revision an apply sent, and the object before and after (secrets as `***`). Filters `objectType`, `objectId`, `actor` (a key id), `source` (`api`, `ui`, `cli`), `since`, `until`; `limit` (1–500), `cursor`.");
        return app;
    }

    private static async Task<Results<Ok<AuditPage>, ValidationProblem>> List(ClaimsPrincipal user, AuditStore audit, CancellationToken cancellationToken,
        string? objectType = null, Guid? objectId = null, string? actor = null, string? source = null, string? since = null, string? until = null,
        int? limit = null, string? cursor = null)
    {
        var errors = new ValidationErrors();
        var (size, after) = IdPaging.Parse(limit, cursor, errors);
        if (objectType is not null && !ObjectTypes.Contains(objectType))
        {
            errors.Add("objectType", $"'{ValidationErrors.Excerpt(objectType)}' is not an object type; use one of {string.Join(", ", ObjectTypes)}");
        }
        if (source is not null && !Sources.Contains(source))
        {
            errors.Add("source", $"'{ValidationErrors.Excerpt(source)}' is not a source; use api, ui or cli");
        }
        if (actor is { Length: > 64 })
        {
            errors.Add("actor", "is not an API key id");
        }
        var from = Schedules.SchedulesApi.Instant(since, "since", errors);
        var to = Schedules.SchedulesApi.Instant(until, "until", errors);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        var page = await audit.ListAsync(new AuditQuery(user.Tenant(), size, after, objectType, objectId, actor, source, from, to), cancellationToken);
        return TypedResults.Ok(new AuditPage(page.Select(AuditEventResponse.From).ToList(), IdPaging.Next(page, size, e => e.Id)));
    }
}
