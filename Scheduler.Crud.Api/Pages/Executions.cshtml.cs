using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Results;

namespace Scheduler.Crud.Api.Pages;

/// <summary>One execution and every attempt: status code or error, duration, lateness.</summary>
public sealed class ExecutionModel(HistoryStore history, ResultStore results, TimeProvider time) : PageModel
{
    [FromRoute] public Guid Id { get; set; }

    public ExecutionRecord Execution { get; private set; } = null!;
    public IReadOnlyList<AttemptRecord> Attempts { get; private set; } = [];

    /// <summary>The run (result tracking), as the API shows it; null when the schedule does not track results.</summary>
    public Executions.RunResponse? Run { get; private set; }

    /// <summary>Offer Cancel when the API would accept one that changes something (not again while it is cancelling).</summary>
    public bool CanCancel => Execution.Status != "cancelling" && ResultStore.StatusAfterCancel(Execution.Status, Execution.CompletionJson is not null) is not null;

    public async Task<IActionResult> OnGetAsync()
    {
        if (await history.GetAsync(User.Tenant(), Id, HttpContext.RequestAborted) is not { } found)
        {
            return NotFound();
        }
        (Execution, Attempts) = found;
        Run = Executions.ExecutionResponse.From(Execution).Run;
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync()
    {
        TempData["Flash"] = await results.CancelAsync(User.Tenant(), Id, time.GetUtcNow(), HttpContext.RequestAborted) switch
        {
            null => "No such execution.",
            { Execution.Status: "cancelled" } => "Cancelled.",
            { Execution: not null } => "Cancel asked: the worker hears it in the answer to its next report.",
            { FinishedAs: var status } => $"It has already finished ({status}).",
        };
        return LocalRedirect($"/executions/{Id}");
    }

    /// <summary>Redrive, from this page or from the lists that link here (they pass where to return).</summary>
    public async Task<IActionResult> OnPostRedriveAsync(string? returnUrl)
    {
        TempData["Flash"] = await history.RedriveAsync(User.Tenant(), Id, time.GetUtcNow(), HttpContext.RequestAborted) is null
            ? "Only dead executions can be redriven." : "Redriven: it will be delivered again.";
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl! : $"/executions/{Id}");
    }
}
