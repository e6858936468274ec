using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Schedules;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Calendars;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Schedules;

namespace Scheduler.Crud.Api.Pages.Schedules;

/// <summary>A schedule, its next fire times and its executions with every attempt; pause, resume, trigger, delete, redrive.</summary>
public sealed class DetailsModel(ScheduleStore store, HistoryStore history, CalendarStore calendars, TimeProvider time) : PageModel
{
    [FromRoute] public Guid Id { get; set; }

    public ScheduleRecord Schedule { get; private set; } = null!;
    public string Description { get; private set; } = "";
    public IReadOnlyList<DateTimeOffset> Upcoming { get; private set; } = [];
    public IReadOnlyList<(ExecutionRecord Execution, IReadOnlyList<AttemptRecord> Attempts)> Executions { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        if (await store.GetAsync(User.Tenant(), Id, cancellationToken) is not { } schedule)
        {
            return NotFound();
        }
        Schedule = schedule;
        Description = ScheduleDescriber.Describe(schedule.Timing);
        var now = time.GetUtcNow();
        var calendar = schedule.CalendarId is { } calendarId ? (await calendars.GetAsync(User.Tenant(), calendarId, cancellationToken))?.ToCalendar() : null;
        Upcoming = schedule.State == "active" ? schedule.Timing.Occurrences(calendar).Upcoming(now, 5) : [];
        var executions = new List<(ExecutionRecord, IReadOnlyList<AttemptRecord>)>();
        foreach (var e in await history.ListAsync(User.Tenant(), Id, null, null, 20, cancellationToken))
        {
            executions.Add((e, (await history.GetAsync(User.Tenant(), e.Id, cancellationToken))?.Attempts ?? []));
        }
        Executions = executions;
        return Page();
    }

    public Task<IActionResult> OnPostPauseAsync() => Act(async (tenant, now, ct) => Say(await store.PauseAsync(tenant, Id, null, now, ct), "Paused."));

    public Task<IActionResult> OnPostResumeAsync() => Act(async (tenant, now, ct) => Say(await store.ResumeAsync(tenant, Id, null, now, ct), "Resumed."));

    public Task<IActionResult> OnPostTriggerAsync() => Act(async (tenant, now, ct) =>
        await history.TriggerAsync(tenant, Id, now, ct) is null ? "No such schedule." : "Triggered: the next executor poll delivers it.");

    public Task<IActionResult> OnPostDeleteAsync() => Act(async (tenant, now, ct) => Say(await store.DeleteAsync(tenant, Id, null, now, ct), "Deleted."),
        then: "/schedules");

    public Task<IActionResult> OnPostRedriveAllAsync() => Act(async (tenant, now, ct) =>
        $"Redriven {(await history.RedriveScheduleAsync(tenant, Id, now, ct)).Count} dead executions.");

    private static string Say(ScheduleChange change, string done) => change.Status == ScheduleChangeStatus.Done ? done : "No such schedule.";

    private async Task<IActionResult> Act(Func<string, DateTimeOffset, CancellationToken, Task<string>> action, string? then = null)
    {
        TempData["Flash"] = await action(User.Tenant(), time.GetUtcNow(), HttpContext.RequestAborted);
        return Redirect(then ?? $"/schedules/{Id}");
    }
}
