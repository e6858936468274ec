using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Calendars;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Schedules;
using Scheduler.Storage.Calendars;

namespace Scheduler.Crud.Api.Preview;

/// <summary>An unsaved schedule's timing: the same fields as a schedule's, and where to look from.</summary>
public sealed record PreviewRequest
{
    public string? Cron { get; init; }
    public string? TimeZone { get; init; }
    public string? RunAt { get; init; }
    public string? Delay { get; init; }
    public bool? Manual { get; init; }
    public string? Calendar { get; init; }
    public string? NonBusinessDay { get; init; }
    public int[]? BusinessDaysOfMonth { get; init; }
    public string? StartAt { get; init; }
    public string? EndAt { get; init; }
    public string? Jitter { get; init; }
    public string? CatchUp { get; init; }
    public string? CatchUpWindow { get; init; }
    /// <summary>How many fire times, 1–100 (default 5).</summary>
    public int? Count { get; init; }
    /// <summary>Look from this ISO 8601 instant instead of now (next March's DST change, next Christmas).</summary>
    public string? From { get; init; }
}

public static class PreviewApi
{
    public static IEndpointRouteBuilder MapPreviewApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/preview", Preview).WithTags("Schedules").WithName("PreviewSchedule").RequireAuthorization(Scopes.Read)
            .WithSummary("Preview an unsaved schedule's timing")
            .WithDescription("Validates the timing fields exactly as a create would (every wrong field at once), and returns the next fire times from `from` (default now), a plain-language description, and the occurrences the calendar moved or skipped with the reason. Nothing is stored.");
        return app;
    }

    private static async Task<Results<Ok<NextFireTimes>, ValidationProblem>> Preview(PreviewRequest request, System.Security.Claims.ClaimsPrincipal user,
        CalendarStore calendars, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var count = request.Count ?? 5;
        if (count is < 1 or > 100)
        {
            errors.Add("count", $"must be between 1 and 100, got {count}");
        }
        var from = SchedulesApi.Instant(request.From, "from", errors) ?? time.GetUtcNow();
        var calendar = await CalendarsApi.FindAsync(calendars, user.Tenant(), request.Calendar, cancellationToken);
        var timing = TimingValidator.Validate(new ScheduleRequest
        {
            Cron = request.Cron, TimeZone = request.TimeZone, RunAt = request.RunAt, Delay = request.Delay, Manual = request.Manual,
            Calendar = request.Calendar, NonBusinessDay = request.NonBusinessDay, BusinessDaysOfMonth = request.BusinessDaysOfMonth,
            StartAt = request.StartAt, EndAt = request.EndAt, Jitter = request.Jitter, CatchUp = request.CatchUp, CatchUpWindow = request.CatchUpWindow,
        }, from, calendar, errors);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The schedule is invalid.");
        }
        return TypedResults.Ok(NextFireTimes.For(timing!, calendar?.Calendar, from, count, scheduleId: null));
    }
}
