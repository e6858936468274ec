using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Calendars;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Ui;
using Scheduler.Storage.Calendars;

namespace Scheduler.Crud.Api.Pages.Calendars;

/// <summary>The tenant's calendars, and a form to create one (by hand, seeded from a country, or both).</summary>
public sealed class CalendarsModel(CalendarStore calendars, TimeProvider time) : PageModel
{
    [BindProperty] public CalendarForm Form { get; set; } = new();

    public IReadOnlyList<CalendarRecord> Calendars { get; private set; } = [];
    public ValidationErrors Errors { get; private set; } = new();

    public async Task OnGetAsync() => Calendars = await calendars.ListAsync(User.Tenant(), 200, null, null, HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostAsync()
    {
        var request = Form.ToRequest(Errors);
        if (Errors.IsValid)
        {
            Errors = CalendarValidator.Validate(request, out var definition);
            if (Errors.IsValid)
            {
                if (await calendars.InsertAsync(User.Tenant(), definition!, time.GetUtcNow(), HttpContext.RequestAborted) is { } created)
                {
                    TempData["Flash"] = $"Created {created.Name} ({definition!.Holidays.Count} holidays).";
                    return Redirect($"/calendars/{created.Id}");
                }
                Errors.Add("name", $"a calendar named '{definition!.Name}' already exists");
            }
        }
        await OnGetAsync();
        return Page();
    }
}
