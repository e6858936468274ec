using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Workflows;
using Scheduler.Storage.Workflows;

namespace Scheduler.Crud.Api.Pages.Workflows;

/// <summary>A run: its DAG coloured by each step's state, its timeline, its attempts; resume, rerun a step (alone or downstream), cancel.</summary>
public sealed class RunModel(RunStore runs, TimeProvider time) : PageModel
{
    [FromRoute] public Guid Id { get; set; }

    public RunDetails Details { get; private set; } = null!;
    public WorkflowRunResponse Run { get; private set; } = null!;
    public DateTimeOffset Now { get; private set; }

    public bool Finished => Run.Status is "succeeded" or "failed" or "cancelled";

    public async Task<IActionResult> OnGetAsync()
    {
        if (await runs.GetAsync(User.Tenant(), Id, HttpContext.RequestAborted) is not { } details)
        {
            return NotFound();
        }
        Details = details;
        Run = WorkflowRunResponse.From(details.Run, details);
        Now = time.GetUtcNow();
        return Page();
    }

    public Task<IActionResult> OnPostResumeAsync() => Act(ct => runs.ResumeAsync(User.Tenant(), Id, time.GetUtcNow(), ct), "Resumed: a new attempt runs what did not succeed.");

    public Task<IActionResult> OnPostCancelAsync() => Act(ct => runs.CancelAsync(User.Tenant(), Id, time.GetUtcNow(), ct), "Cancel requested.");

    public Task<IActionResult> OnPostRerunAsync(string step, bool downstream) =>
        Act(ct => runs.RerunAsync(User.Tenant(), Id, step, downstream, time.GetUtcNow(), ct),
            downstream ? $"Rerunning {step} and everything downstream of it." : $"Rerunning {step}.");

    private async Task<IActionResult> Act(Func<CancellationToken, Task<RunChange>> action, string done)
    {
        var change = await action(HttpContext.RequestAborted);
        TempData["Flash"] = change.Status switch
        {
            RunChangeStatus.Done => done,
            RunChangeStatus.InProgress => "The run is in progress: resume or rerun it when it has finished, or cancel it first.",
            RunChangeStatus.NothingToResume => "Every step succeeded: nothing to resume (rerun a step instead).",
            RunChangeStatus.Finished => "The run has finished: nothing to cancel.",
            RunChangeStatus.UnknownStep => "No such step in this run's workflow version.",
            _ => "No such run.",
        };
        return Redirect($"/workflow-runs/{Id}");
    }
}
