using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Backfills;

namespace Scheduler.Crud.Api.Pages.Backfills;

/// <summary>A backfill: its progress, its runs in order, pause, resume and cancel.</summary>
public sealed class BackfillModel(BackfillStore backfills, TimeProvider time) : PageModel
{
    private const int PageSize = 200;

    [FromRoute] public Guid Id { get; set; }
    [FromQuery] public int? After { get; set; }

    public BackfillRecord Backfill { get; private set; } = null!;
    public IReadOnlyList<BackfillRunRecord> Runs { get; private set; } = [];
    public int? NextCursor { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await backfills.GetAsync(User.Tenant(), Id, HttpContext.RequestAborted) is not { } backfill)
        {
            return NotFound();
        }
        Backfill = backfill;
        Runs = await backfills.RunsAsync(Id, After ?? -1, PageSize, HttpContext.RequestAborted);
        NextCursor = Runs.Count == PageSize ? Runs[^1].Seq : null;
        return Page();
    }

    public Task<IActionResult> OnPostPauseAsync() => Act(b => b.PauseAsync(User.Tenant(), Id, null, time.GetUtcNow(), HttpContext.RequestAborted), "Paused: nothing new starts.");

    public Task<IActionResult> OnPostResumeAsync() => Act(b => b.ResumeAsync(User.Tenant(), Id, null, time.GetUtcNow(), HttpContext.RequestAborted), "Resumed.");

    public Task<IActionResult> OnPostCancelAsync() =>
        Act(b => b.CancelAsync(User.Tenant(), Id, null, time.GetUtcNow(), HttpContext.RequestAborted), "Cancelled: nothing more starts; its runs in progress were asked to stop.");

    private async Task<IActionResult> Act(Func<BackfillStore, Task<BackfillChange>> change, string done)
    {
        var result = await change(backfills);
        TempData["Flash"] = result.Status switch
        {
            BackfillChangeStatus.Done => done,
            BackfillChangeStatus.Finished => $"It has finished ({result.Backfill!.Status}); nothing changed.",
            _ => "No such backfill.",
        };
        return Redirect($"/backfills/{Id}");
    }
}
