using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Security;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Schedules;
using Scheduler.Crud.Api.Ui;
using Scheduler.Crud.Api.Calendars;
using Scheduler.Crud.Api.Workflows;
using Scheduler.Storage.Calendars;
using Scheduler.Storage.Schedules;
using Scheduler.Storage.Workflows;
using Scheduler.Crud.Api.Targets;

namespace Scheduler.Crud.Api.Pages.Schedules;

/// <summary>One form field, with the errors the API's validation gave it.</summary>
public sealed record Field(string Id, string Label, string? Value, ValidationErrors Errors, string? Help = null, bool Multiline = false,
    string Type = "text", bool Required = false, bool Preview = false);

/// <summary>Create and edit: the form is turned into the API's request and validated and stored exactly as the API does.</summary>
[Authorize(Policy = Scopes.Write)]
public sealed class EditModel(ScheduleStore store, CalendarStore calendars, WorkflowStore workflows, Storage.Secrets.SecretStore secrets, TargetChecks targetChecks,
    TimeProvider time) : PageModel
{
    [FromRoute] public Guid? Id { get; set; }

    [BindProperty] public ScheduleForm Form { get; set; } = new();

    [BindProperty] public int? Version { get; set; }

    public ValidationErrors Errors { get; private set; } = new();

    /// <summary>The input an error belongs beside: <c>target.headers.X</c> → headers, <c>labels.team</c> → labels.</summary>
    public static string InputFor(string field) => field switch
    {
        _ when field.StartsWith("labels", StringComparison.Ordinal) => "labels",
        _ when field.StartsWith("target.headers", StringComparison.Ordinal) => "headers",
        "target.value" => "body",
        "target.type" or "target" => "url",
        _ when field.StartsWith("target.", StringComparison.Ordinal) => field["target.".Length..],
        "completion" => "runTimeout",
        _ when field.StartsWith("completion.", StringComparison.Ordinal) => field["completion.".Length..],
        _ => field,
    };

    public async Task<IActionResult> OnGetAsync()
    {
        if (Id is { } id)
        {
            if (await store.GetAsync(User.Tenant(), id, HttpContext.RequestAborted) is not { } record)
            {
                return NotFound();
            }
            Form = ScheduleForm.From(record);
            Version = record.Version;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var now = time.GetUtcNow();
        var tenant = User.Tenant();
        ScheduleRecord? current = null;
        if (Id is { } id && (current = await store.GetAsync(tenant, id, HttpContext.RequestAborted)) is null)
        {
            return NotFound();
        }
        var request = ScheduleForm.KeepingUnshown(Form.ToRequest(Errors), current);
        if (!Errors.IsValid)
        {
            return Page();
        }
        var calendar = await CalendarsApi.FindAsync(calendars, tenant, request.Calendar, HttpContext.RequestAborted);
        var workflow = await WorkflowsApi.TargetExistsAsync(workflows, tenant, request.Target, HttpContext.RequestAborted);
        Errors = SchedulesApi.ValidateWrite(request, now, await targetChecks.ForAsync(tenant, [request.Target], HttpContext.RequestAborted), current is null ? null : store.StoredSecrets(current), calendar, out var definition, workflow);
        if (definition is not null)
        {
            await Crud.Api.Secrets.SecretsApi.CheckReferencesAsync(secrets, tenant, definition.SecretRefs, "target.headers", Errors, HttpContext.RequestAborted);
        }
        if (!Errors.IsValid)
        {
            return Page();
        }
        if (current is null)
        {
            var created = await store.InsertAsync(tenant, definition!, now, HttpContext.RequestAborted);
            if (created is null)
            {
                Errors.Add("name", $"a schedule named '{definition!.Name}' already exists; choose another name");
                return Page();
            }
            TempData["Flash"] = $"Created {created.Name}.";
            return Redirect($"/schedules/{created.Id}");
        }
        var change = await store.ReplaceAsync(tenant, current.Id, Version, definition!, now, HttpContext.RequestAborted);
        switch (change.Status)
        {
            case ScheduleChangeStatus.Done:
                TempData["Flash"] = $"Saved {change.Schedule!.Name}.";
                return Redirect($"/schedules/{current.Id}");
            case ScheduleChangeStatus.NameTaken:
                Errors.Add("name", $"a schedule named '{definition!.Name}' already exists; choose another name");
                return Page();
            case ScheduleChangeStatus.VersionMismatch:
                Errors.Add("version", string.Create(CultureInfo.InvariantCulture,
                    $"someone changed this schedule since you opened it (now version {change.Schedule!.Version}); reload it and reapply your change"));
                return Page();
            default:
                return NotFound();
        }
    }
}
