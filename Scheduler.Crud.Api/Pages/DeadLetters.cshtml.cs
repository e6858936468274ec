using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Executions;

namespace Scheduler.Crud.Api.Pages;

/// <summary>Dead executions, newest first; redrive one or every one on the page.</summary>
public sealed class DeadLettersModel(HistoryStore history, TimeProvider time) : PageModel
{
    private const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public IReadOnlyList<ExecutionRecord> Dead { get; private set; } = [];
    public string? NextCursor { get; private set; }

    public async Task OnGetAsync()
    {
        Guid? before = Guid.TryParseExact(Cursor, "N", out var c) ? c : null;
        Dead = await history.ListAsync(User.Tenant(), null, "dead", before, PageSize, HttpContext.RequestAborted);
        NextCursor = Dead.Count == PageSize ? Dead[^1].Id.ToString("N") : null;
    }

    public async Task<IActionResult> OnPostRedriveAllAsync()
    {
        await OnGetAsync();
        var redriven = 0;
        foreach (var e in Dead)
        {
            redriven += await history.RedriveAsync(User.Tenant(), e.Id, time.GetUtcNow(), HttpContext.RequestAborted) is null ? 0 : 1;
        }
        TempData["Flash"] = $"Redriven {redriven} dead executions.";
        return Redirect("/dead-letters");
    }
}
