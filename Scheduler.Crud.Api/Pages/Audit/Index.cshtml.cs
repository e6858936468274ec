using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Audit;

namespace Scheduler.Crud.Api.Pages.Audit;

/// <summary>The audit trail, newest first, filtered by object type or object (an object's page links here with its id).</summary>
public sealed class AuditModel(AuditStore audit) : PageModel
{
    private const int PageSize = 50;

    [FromQuery] public string? ObjectType { get; set; }
    [FromQuery] public Guid? ObjectId { get; set; }
    [FromQuery] public string? Cursor { get; set; }

    public IReadOnlyList<AuditRecord> Events { get; private set; } = [];
    public string? NextCursor { get; private set; }

    public async Task OnGetAsync()
    {
        var type = Crud.Api.Audit.AuditApi.ObjectTypes.Contains(ObjectType) ? ObjectType : null;
        Guid? before = Guid.TryParseExact(Cursor, "N", out var id) ? id : null;
        Events = await audit.ListAsync(new AuditQuery(User.Tenant(), PageSize, before, type, ObjectId), HttpContext.RequestAborted);
        NextCursor = Events.Count == PageSize ? Events[^1].Id.ToString("N") : null;
    }

    public string LinkTo(AuditRecord e) => e.ObjectType switch
    {
        "schedule" => $"/schedules/{e.ObjectId}",
        "calendar" => $"/calendars/{e.ObjectId}",
        "workflow" => $"/workflows/{e.ObjectId}",
        "backfill" => $"/backfills/{e.ObjectId}",
        "execution" => $"/executions/{e.ObjectId}",
        "workflow-run" => $"/workflow-runs/{e.ObjectId}",
        "outage" => "/outages",
        "secret" => "/secrets",
        _ => "/keys",
    };
}
