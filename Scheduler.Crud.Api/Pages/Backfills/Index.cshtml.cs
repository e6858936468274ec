using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Backfills;

namespace Scheduler.Crud.Api.Pages.Backfills;

/// <summary>Every backfill of the tenant, newest first, with its progress.</summary>
public sealed class BackfillsModel(BackfillStore backfills) : PageModel
{
    private const int PageSize = 50;

    [FromQuery] public string? Cursor { get; set; }

    public IReadOnlyList<BackfillRecord> Backfills { get; private set; } = [];
    public string? NextCursor { get; private set; }

    public async Task OnGetAsync()
    {
        Guid? before = Guid.TryParseExact(Cursor, "N", out var id) ? id : null;
        Backfills = await backfills.ListAsync(User.Tenant(), null, null, null, before, PageSize, HttpContext.RequestAborted);
        NextCursor = Backfills.Count == PageSize ? Backfills[^1].Id.ToString("N") : null;
    }
}
