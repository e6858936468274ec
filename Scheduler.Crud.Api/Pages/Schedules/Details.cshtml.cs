using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Backfills;
using Scheduler.Crud.Api.Ui;
using Scheduler.Storage.Backfills;
using Scheduler.Storage.Calendars;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Schedules;

namespace Scheduler.Crud.Api.Pages.Schedules;

/// <summary>A schedule, its next fire times and its executions with every attempt; pause, resume, trigger, delete, redrive.</summary>
public sealed class DetailsModel(ScheduleStore store, HistoryStore history, CalendarStore calendars, BackfillStore backfills, TimeProvider time) : PageModel
{
    [FromRoute] public Guid Id { get; set; }

    public ScheduleRecord Schedule { get; private set; } = null!;
    public string Description { get; private set; } = "";
    public IReadOnlyList<DateTimeOffset> Upcoming { get; private set; } = [];
    public IReadOnlyList<(ExecutionRecord Execution, IReadOnlyList<AttemptRecord> Attempts)> Executions { get; private set; } = [];

    [BindProperty] public BackfillForm Backfill { get; set; } = new();

    public IReadOnlyList<BackfillRecord> Backfills { get; private set; } = [];
    public BackfillPlanResponse? Preview { get; private set; }
    public ValidationErrors BackfillErrors { get; private set; } = new();

    public BackfillFormView BackfillView => new(Backfill, BackfillErrors, Preview, Schedule.Timing.IsRecurring, Backfills);

    /// <summary>A backfill: previewed (a dry run, shown on this page) or started (its own page).</summary>
    public async Task<IActionResult> OnPostBackfillAsync(bool dryRun)
    {
        var cancellationToken = HttpContext.RequestAborted;
        if (await store.GetAsync(User.Tenant(), Id, cancellationToken) is not { } schedule)
        {
            return NotFound();
        }
        var errors = new ValidationErrors();
        var request = Backfill.ToRequest(dryRun, errors);
        var created = errors.IsValid ? await BackfillsApi.ForScheduleAsync(schedule, request, calendars, backfills, time.GetUtcNow(), errors, cancellationToken) : null;
        if (created?.Backfill is { } backfill)
        {
            TempData["Flash"] = $"Backfill started: {backfill.Total} runs, at most {backfill.MaxActiveRuns} at once.";
            return Redirect($"/backfills/{backfill.Id}");
        }
        var page = await OnGetAsync();
        BackfillErrors = errors;
        Preview = created is null ? null : BackfillPlanResponse.From(created);
        return page;
    }

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
        var calendar = await calendars.OfScheduleAsync(schedule, cancellationToken);
        Upcoming = schedule.State == "active" ? schedule.Timing.Occurrences(calendar).Upcoming(now, 5) : [];
        var executions = new List<(ExecutionRecord, IReadOnlyList<AttemptRecord>)>();
        foreach (var e in await history.ListAsync(User.Tenant(), Id, null, null, 20, cancellationToken))
        {
            executions.Add((e, (await history.GetAsync(User.Tenant(), e.Id, cancellationToken))?.Attempts ?? []));
        }
        Executions = executions;
        Backfills = await backfills.ListAsync(User.Tenant(), Id, null, null, null, 10, cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostPauseAsync() => Act(async (tenant, now, ct) => Say(await store.PauseAsync(tenant, Id, null, now, ct), "Paused."));

    public Task<IActionResult> OnPostResumeAsync() => Act(async (tenant, now, ct) => Say(await store.ResumeAsync(tenant, Id, null, now, ct), "Resumed."));

    /// <summary>Trigger now: blank for now, or a past instant (history mode).</summary>
    [BindProperty]
    public string? LogicalDate { get; set; }

    /// <summary>Trigger now: the parameters as a JSON object.</summary>
    [BindProperty]
    public string? Parameters { get; set; }

    public Task<IActionResult> OnPostTriggerAsync() => Act(async (tenant, now, ct) =>
    {
        if (await store.GetAsync(tenant, Id, ct) is not { } schedule)
        {
            return "No such schedule.";
        }
        var calendar = await calendars.OfScheduleAsync(schedule, ct);
        var errors = new ValidationErrors();
        var run = HistoryRuns.ForSchedule(schedule, calendar, HistoryRuns.FromForm(LogicalDate, Parameters, errors), now, errors);
        if (run is null)
        {
            return $"Not triggered: {errors}";
        }
        var execution = await history.TriggerAsync(tenant, Id, run, now, ct);
        return execution is null ? "No such schedule."
            : run.LogicalDate is { } date ? $"Triggered for {date:yyyy-MM-dd HH:mm:ss} UTC: the next executor poll delivers it."
            : "Triggered: the next executor poll delivers it.";
    });

    public Task<IActionResult> OnPostDeleteAsync() => Act(async (tenant, now, ct) => Say(await store.DeleteAsync(tenant, Id, null, now, ct), "Deleted."),
        then: "/schedules");

    public Task<IActionResult> OnPostRedriveAllAsync() => Act(async (tenant, now, ct) =>
        $"Redriven {(await history.RedriveScheduleAsync(tenant, Id, now, ct)).Count} dead executions.");

    private static string Say(ScheduleChange change, string done) =>
        change.Status == ScheduleChangeStatus.Done ? done : change.Status == ScheduleChangeStatus.WrongState ? change.Refusal! : "No such schedule.";

    private async Task<IActionResult> Act(Func<string, DateTimeOffset, CancellationToken, Task<string>> action, string? then = null)
    {
        TempData["Flash"] = await action(User.Tenant(), time.GetUtcNow(), HttpContext.RequestAborted);
        return Redirect(then ?? $"/schedules/{Id}");
    }
}
