using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Calendars;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Calendars;
using Scheduler.Crud.Api.Ui;
using Scheduler.Storage.Calendars;

namespace Scheduler.Crud.Api.Pages.Calendars;

/// <summary>A calendar: its holidays as a list and on a month view, its edit form, an .ics import, delete.</summary>
public sealed class CalendarModel(CalendarStore calendars, TimeProvider time) : PageModel
{
    [FromRoute] public Guid Id { get; set; }
    [BindProperty] public CalendarForm Form { get; set; } = new();
    [BindProperty] public int? Version { get; set; }

    public CalendarRecord Calendar { get; private set; } = null!;
    public BusinessCalendar Days { get; private set; } = null!;
    public ValidationErrors Errors { get; private set; } = new();

    /// <summary>The months the month view shows: this one and the next eleven.</summary>
    public IEnumerable<DateOnly> Months
    {
        get
        {
            var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            return Enumerable.Range(0, 12).Select(i => new DateOnly(today.Year, today.Month, 1).AddMonths(i));
        }
    }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync())
        {
            return NotFound();
        }
        Form = CalendarForm.From(Calendar);
        Version = Calendar.Version;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var request = Form.ToRequest(Errors);
        if (Errors.IsValid && (Errors = CalendarValidator.Validate(request, out var definition)).IsValid)
        {
            var change = await calendars.ReplaceAsync(User.Tenant(), Id, Version, _ => definition!, time.GetUtcNow(), HttpContext.RequestAborted);
            switch (change.Status)
            {
                case CalendarChangeStatus.Done:
                    TempData["Flash"] = $"Saved {change.Calendar!.Name}; {change.SchedulesMoved} schedules recomputed.";
                    return Redirect($"/calendars/{Id}");
                case CalendarChangeStatus.NameTaken:
                    Errors.Add("name", $"a calendar named '{definition!.Name}' already exists");
                    break;
                case CalendarChangeStatus.VersionMismatch:
                    Errors.Add("version", "someone changed this calendar since you opened it; reload it and reapply your change");
                    break;
                case CalendarChangeStatus.WouldEndSchedules:
                    Errors.Add("holidays", $"would leave these active schedules with no occurrence (they would complete): {string.Join(", ", change.UsedBy!)}");
                    break;
                default:
                    return NotFound();
            }
        }
        return await LoadAsync() ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostImportAsync(IFormFile? file)
    {
        if (await calendars.GetAsync(User.Tenant(), Id, HttpContext.RequestAborted) is null)
        {
            return NotFound();
        }
        if (file is null || file.Length == 0 || file.Length > IcsImport.MaxBytes)
        {
            TempData["Flash"] = $"Choose an .ics file (at most {IcsImport.MaxBytes / 1024} KiB).";
            return Redirect($"/calendars/{Id}");
        }
        using var reader = new StreamReader(file.OpenReadStream());
        var year = time.GetUtcNow().Year;
        var (holidays, error) = IcsImport.Parse(await reader.ReadToEndAsync(HttpContext.RequestAborted), new DateOnly(year, 1, 1), new DateOnly(year + 5, 12, 31), time);
        if (error is not null)
        {
            TempData["Flash"] = $"Not imported: the file {error}.";
            return Redirect($"/calendars/{Id}");
        }
        var (change, added) = await CalendarsApi.ImportAsync(calendars, User.Tenant(), Id, null, holidays, time.GetUtcNow(), HttpContext.RequestAborted);
        TempData["Flash"] = change is null ? $"Not imported: the calendar would have more than {CalendarValidator.MaxHolidays} holidays."
            : change.Status == CalendarChangeStatus.Done ? $"Imported {added} holidays ({holidays.Count - added} were there already)."
            : change.Status == CalendarChangeStatus.WouldEndSchedules ? $"Not imported: these active schedules would have no occurrence left: {string.Join(", ", change.UsedBy!)}."
            : "No such calendar.";
        return Redirect($"/calendars/{Id}");
    }

    public async Task<IActionResult> OnPostDeleteAsync()
    {
        var change = await calendars.DeleteAsync(User.Tenant(), Id, null, HttpContext.RequestAborted);
        if (change.Status == CalendarChangeStatus.InUse)
        {
            TempData["Flash"] = $"Not deleted: schedules follow it ({string.Join(", ", change.UsedBy!)}).";
            return Redirect($"/calendars/{Id}");
        }
        TempData["Flash"] = change.Status == CalendarChangeStatus.Done ? $"Deleted {change.Calendar!.Name}." : "No such calendar.";
        return Redirect("/calendars");
    }

    private async Task<bool> LoadAsync()
    {
        if (await calendars.GetAsync(User.Tenant(), Id, HttpContext.RequestAborted) is not { } record)
        {
            return false;
        }
        Calendar = record;
        Days = record.ToCalendar();
        return true;
    }
}
