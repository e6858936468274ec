using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Schedules;

namespace Scheduler.Crud.Api.Preview;

/// <summary>An unsaved schedule's timing: the same fields as a schedule's.</summary>
public sealed record PreviewRequest
{
    public string? Cron { get; init; }
    public string? TimeZone { get; init; }
    public string? RunAt { get; init; }
    public string? Delay { get; init; }
    /// <summary>How many fire times, 1–100 (default 5).</summary>
    public int? Count { get; init; }
}

public static class PreviewApi
{
    public static IEndpointRouteBuilder MapPreviewApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/preview", Preview).WithTags("Schedules").WithName("PreviewSchedule").RequireAuthorization(Access.Scopes.Read)
            .WithSummary("Preview an unsaved schedule's timing")
            .WithDescription("Validates `cron`/`timeZone`, `runAt` or `delay` exactly as a create would, and returns the next fire times and a plain-language description. Nothing is stored.");
        return app;
    }

    private static Results<Ok<NextFireTimes>, ValidationProblem> Preview(PreviewRequest request, TimeProvider time)
    {
        var errors = new ValidationErrors();
        var count = request.Count ?? 5;
        if (count is < 1 or > 100)
        {
            errors.Add("count", $"must be between 1 and 100, got {count}");
        }
        var now = time.GetUtcNow();
        var timing = ScheduleValidator.ValidateTiming(
            new ScheduleRequest { Cron = request.Cron, TimeZone = request.TimeZone, RunAt = request.RunAt, Delay = request.Delay }, now, errors);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The schedule is invalid.");
        }
        return TypedResults.Ok(new NextFireTimes(timing!.Upcoming(now, count), ScheduleDescriber.Describe(timing)));
    }
}
