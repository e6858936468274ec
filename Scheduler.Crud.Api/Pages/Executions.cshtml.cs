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

    public async Task<IActionResult> OnPostRedriveAsync()
    {
        if (!User.Allows(Scopes.Write))
        {
            return Forbid();
        }
        TempData["Flash"] = await history.RedriveAsync(User.Tenant(), Id, time.GetUtcNow(), HttpContext.RequestAborted) is null
            ? "Only dead executions can be redriven." : "Redriven: it will be delivered again.";
        return Redirect($"/executions/{Id}");
    }
}
