using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Schedules;

namespace Scheduler.Crud.Api.Schedules;

public static class SchedulesApi
{
    /// <summary>Until API keys and tenants exist (issue 7) every schedule belongs to this tenant.</summary>
    public const string DefaultTenant = "default";

    public static IEndpointRouteBuilder MapSchedulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/schedules").WithTags("Schedules");
        group.MapPost("/", Create).WithName("CreateSchedule").WithSummary("Create a schedule (cron, runAt or delay) with a target.");
        group.MapGet("/", List).WithName("ListSchedules").WithSummary("List schedules, oldest first, a page at a time.");
        group.MapGet("/{id:guid}", Get).WithName("GetSchedule").WithSummary("Get one schedule with its next fire time.");
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteSchedule").WithSummary("Delete a schedule; its history stays readable.");
        return app;
    }

    private static async Task<Results<Created<ScheduleResponse>, ValidationProblem, ProblemHttpResult>> Create(
        ScheduleRequest request, ScheduleStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var errors = ScheduleValidator.Validate(request, now, out var definition);
        if (!errors.IsValid)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The schedule is invalid.");
        }
        var created = await store.InsertAsync(DefaultTenant, definition!, now, cancellationToken);
        if (created is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "A schedule with this name exists.",
                detail: $"name: a schedule named '{definition!.Name}' already exists; choose another name or delete it first.");
        }
        return TypedResults.Created($"/api/v1/schedules/{created.Id}", ScheduleResponse.From(created));
    }

    private static async Task<Results<Ok<ScheduleResponse>, NotFound>> Get(Guid id, ScheduleStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(DefaultTenant, id, cancellationToken) is { } record
            ? TypedResults.Ok(ScheduleResponse.From(record))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<SchedulePage>, ValidationProblem>> List(
        ScheduleStore store, CancellationToken cancellationToken, int? limit = null, string? cursor = null)
    {
        var errors = new Common.Validation.ValidationErrors();
        var size = limit ?? 50;
        if (size is < 1 or > 500)
        {
            errors.Add("limit", $"must be between 1 and 500, got {size}");
        }
        Guid? after = null;
        if (cursor is not null)
        {
            if (Guid.TryParse(cursor, out var parsed))
            {
                after = parsed;
            }
            else
            {
                errors.Add("cursor", "is not a cursor this API returned");
            }
        }
        if (!errors.IsValid)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var page = await store.ListAsync(DefaultTenant, after, size, cancellationToken);
        var next = page.Count == size ? page[^1].Id.ToString() : null;
        return TypedResults.Ok(new SchedulePage(page.Select(ScheduleResponse.From).ToList(), next));
    }

    private static async Task<Results<NoContent, NotFound>> Delete(Guid id, ScheduleStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await store.DeleteAsync(DefaultTenant, id, time.GetUtcNow(), cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
}
