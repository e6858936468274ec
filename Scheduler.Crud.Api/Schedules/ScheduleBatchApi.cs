using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Calendars;
using Scheduler.Common.Schedules;
using Scheduler.Common.Security;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Calendars;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Secrets;
using Scheduler.Crud.Api.Workflows;
using Scheduler.Storage.Calendars;
using Scheduler.Storage.Schedules;
using Scheduler.Storage.Secrets;
using Scheduler.Storage.Workflows;
using Scheduler.Crud.Api.Targets;

namespace Scheduler.Crud.Api.Schedules;

/// <summary>Up to <see cref="ScheduleBatchApi.MaxItems"/> schedules to create in one request.</summary>
public sealed record ScheduleBatchRequest
{
    /// <summary>The schedules, each as <c>POST /api/v1/schedules</c> takes one.</summary>
    public List<ScheduleRequest?>? Items { get; init; }
}

/// <summary>What became of one item: <c>201</c> with the schedule, or its error status with the problem (<c>400</c> invalid, <c>409</c> name taken).</summary>
public sealed record ScheduleBatchItem
{
    /// <summary>The item's position in the request, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>As the single create would have answered: 201, 400 or 409.</summary>
    public required int Status { get; init; }

    /// <summary>The schedule created (201 only).</summary>
    public ScheduleResponse? Schedule { get; init; }

    /// <summary>What went wrong (400, 409), as a problem's title.</summary>
    public string? Title { get; init; }

    /// <summary>Each wrong field and why (400, 409), as a validation problem's <c>errors</c>.</summary>
    public IDictionary<string, string[]>? Errors { get; init; }
}

/// <summary>Every item's result, in the request's order.</summary>
public sealed record ScheduleBatchResponse(int Created, int Failed, IReadOnlyList<ScheduleBatchItem> Results);

/// <summary>
/// Batch create, for services that make a one-shot per user action: each item is validated as a single create is (calendars,
/// workflows and secrets looked up once per name), the valid ones are written in one transaction, and every item gets its own
/// result — a bad item does not stop the others.
/// </summary>
public static class ScheduleBatchApi
{
    public const int MaxItems = 1_000;

    public static IEndpointRouteBuilder MapScheduleBatchApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/schedules/batch", CreateBatch).WithName("CreateSchedules").WithTags("Schedules")
            .RequireAuthorization(Scopes.Write)
            .WithSummary("Create up to 1,000 schedules in one request")
            .WithDescription("Each item as `POST /api/v1/schedules` takes one; every item gets its own result in `results` (`201` with the schedule, `400` with its field errors, `409` when its name is taken — also by an earlier item of the batch). The valid items are written in one transaction. Counts against the per-key rate limit as one request.");
        return app;
    }

    private static async Task<Results<Ok<ScheduleBatchResponse>, ValidationProblem>> CreateBatch(ScheduleBatchRequest request, ClaimsPrincipal user,
        ScheduleStore store, CalendarStore calendars, WorkflowStore workflows, SecretStore secrets, TargetChecks targetChecks, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (request.Items is not { Count: > 0 and <= MaxItems } items)
        {
            var errors = new ValidationErrors();
            errors.Add("items", $"must hold 1–{MaxItems} schedules, got {request.Items?.Count ?? 0}");
            return Problems.Invalid(errors, "The batch is invalid.");
        }
        var now = time.GetUtcNow();
        var tenant = user.Tenant();
        var calendarCache = new Dictionary<string, CalendarReference?>(StringComparer.Ordinal);
        var workflowCache = new Dictionary<string, bool?>(StringComparer.Ordinal);
        var targets = await targetChecks.ForAsync(tenant, items.Select(i => i?.Target), cancellationToken);
        var results = new ScheduleBatchItem?[items.Count];
        var valid = new List<(int Index, ScheduleDefinition Definition)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item)
            {
                results[i] = new ScheduleBatchItem
                {
                    Index = i, Status = StatusCodes.Status400BadRequest, Title = "The schedule is invalid.",
                    Errors = new Dictionary<string, string[]> { [""] = ["an item must be a schedule object, not null"] },
                };
                continue;
            }
            var calendarName = item.Calendar?.Trim() ?? "";
            if (!calendarCache.TryGetValue(calendarName, out var calendar))
            {
                calendarCache[calendarName] = calendar = await CalendarsApi.FindAsync(calendars, tenant, item.Calendar, cancellationToken);
            }
            var workflowName = item.Target?.Workflow?.Trim() ?? "";
            if (!workflowCache.TryGetValue(workflowName, out var workflow))
            {
                workflowCache[workflowName] = workflow = await WorkflowsApi.TargetExistsAsync(workflows, tenant, item.Target, cancellationToken);
            }
            var errors = SchedulesApi.ValidateWrite(item, now, targets, storedSecrets: null, calendar, out var definition, workflow);
            if (definition is not null)
            {
                await SecretsApi.CheckReferencesAsync(secrets, tenant, definition.SecretRefs, "target.headers", errors, cancellationToken);
            }
            if (!errors.IsValid)
            {
                results[i] = new ScheduleBatchItem { Index = i, Status = StatusCodes.Status400BadRequest, Title = "The schedule is invalid.", Errors = errors.ToDictionary() };
            }
            else if (!names.Add(definition!.Name))
            {
                results[i] = Taken(i, definition.Name, "an earlier item of this batch");
            }
            else
            {
                valid.Add((i, definition));
            }
        }
        var created = await store.InsertManyAsync(tenant, [.. valid.Select(v => v.Definition)], now, cancellationToken);
        for (var k = 0; k < valid.Count; k++)
        {
            var (index, definition) = valid[k];
            results[index] = created[k] is { } record
                ? new ScheduleBatchItem { Index = index, Status = StatusCodes.Status201Created, Schedule = ScheduleResponse.From(record) }
                : Taken(index, definition.Name, "an existing schedule");
        }
        var all = results.Select(r => r!).ToList();
        var done = all.Count(r => r.Status == StatusCodes.Status201Created);
        return TypedResults.Ok(new ScheduleBatchResponse(done, all.Count - done, all));
    }

    private static ScheduleBatchItem Taken(int index, string name, string by) =>
        new()
        {
            Index = index, Status = StatusCodes.Status409Conflict, Title = "A schedule with this name exists.",
            Errors = new Dictionary<string, string[]> { ["name"] = [$"'{name}' is taken by {by}"] },
        };
}
