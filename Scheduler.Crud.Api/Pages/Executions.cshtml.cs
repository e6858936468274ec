using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Executions;

namespace Scheduler.Crud.Api.Pages;

/// <summary>One execution and every attempt: status code or error, duration, lateness.</summary>
public sealed class ExecutionModel(HistoryStore history, TimeProvider time) : PageModel
{
    [FromRoute] public Guid Id { get; set; }

    public ExecutionRecord Execution { get; private set; } = null!;
    public IReadOnlyList<AttemptRecord> Attempts { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (await history.GetAsync(User.Tenant(), Id, HttpContext.RequestAborted) is not { } found)
        {
            return NotFound();
        }
        (Execution, Attempts) = found;
        return Page();
    }

    /// <summary>Redrive, from this page or from the lists that link here (they pass where to return).</summary>
    public async Task<IActionResult> OnPostRedriveAsync(string? returnUrl)
    {
        TempData["Flash"] = await history.RedriveAsync(User.Tenant(), Id, time.GetUtcNow(), HttpContext.RequestAborted) is null
            ? "Only dead executions can be redriven." : "Redriven: it will be delivered again.";
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl! : $"/executions/{Id}");
    }
}
