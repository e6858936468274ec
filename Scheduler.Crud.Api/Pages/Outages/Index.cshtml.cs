using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Outages;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Outages;

namespace Scheduler.Crud.Api.Pages.Outages;

/// <summary>Outages: planned, in force, ended and cancelled; plan one, cancel one, end one early.</summary>
public sealed class OutagesModel(OutageStore outages, TimeProvider time) : PageModel
{
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? From { get; set; }
    [BindProperty] public string? To { get; set; }
    [BindProperty] public string? Policy { get; set; } = "skip";
    [BindProperty] public string? Labels { get; set; }

    public IReadOnlyList<OutageRecord> Outages { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public ValidationErrors Errors { get; private set; } = new();

    public async Task OnGetAsync()
    {
        Now = time.GetUtcNow();
        Outages = (await outages.ListAsync(User.Tenant(), 200, null, null, Now, HttpContext.RequestAborted)).OrderByDescending(o => o.StartsAt).ToList();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (Labels ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.Split('=', 2) is [{ Length: > 0 } key, var value])
            {
                labels[key.Trim()] = value.Trim();
            }
            else
            {
                Errors.Add("labels", $"'{line}' is not key=value");
            }
        }
        var now = time.GetUtcNow();
        if (Errors.IsValid && (Errors = OutageValidator.Validate(new OutageRequest { Name = Name, From = From, To = To, Policy = Policy, Labels = labels }, now,
                out var spec)).IsValid)
        {
            if (await outages.InsertAsync(User.Tenant(), spec!, now, HttpContext.RequestAborted) is { } created)
            {
                TempData["Flash"] = string.Create(CultureInfo.InvariantCulture, $"Planned {created.Name}.");
                return Redirect("/outages");
            }
            Errors.Add("name", $"an outage named '{spec!.Name}' already exists");
        }
        await OnGetAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid id) =>
        Said((await outages.CancelAsync(User.Tenant(), id, null, time.GetUtcNow(), HttpContext.RequestAborted)).Status, "Cancelled.");

    public async Task<IActionResult> OnPostEndAsync(Guid id) =>
        Said((await outages.EndAsync(User.Tenant(), id, null, time.GetUtcNow(), HttpContext.RequestAborted)).Status, "Ended now; what it deferred fires now.");

    private RedirectResult Said(OutageChangeStatus status, string done)
    {
        TempData["Flash"] = status switch
        {
            OutageChangeStatus.Done => done,
            OutageChangeStatus.AlreadyOver => "Not changed: it is over (or, to end it, in force).",
            _ => "No such outage.",
        };
        return Redirect("/outages");
    }
}
