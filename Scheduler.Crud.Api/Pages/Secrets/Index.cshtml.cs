using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Secrets;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Secrets;

namespace Scheduler.Crud.Api.Pages.Secrets;

/// <summary>Named secrets: list (never values), create, rotate, delete (refused while a target uses one).</summary>
public sealed class SecretsModel(SecretStore secrets, TimeProvider time) : PageModel
{
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public string? Value { get; set; }

    /// <summary>For a rotation: the version the page showed, so that a rotation made meanwhile is not silently replaced.</summary>
    [BindProperty] public int? Version { get; set; }

    public IReadOnlyList<SecretRecord> Secrets { get; private set; } = [];
    public ValidationErrors Errors { get; private set; } = new();

    public async Task OnGetAsync() => Secrets = await secrets.ListAsync(User.Tenant(), null, 500, HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostCreateAsync()
    {
        var request = new SecretRequest { Name = Name?.Trim(), Description = Description, Value = Value };
        Errors = SecretValidator.Validate(request, create: true);
        if (Errors.IsValid)
        {
            if (await secrets.InsertAsync(User.Tenant(), request.Name!, string.IsNullOrWhiteSpace(Description) ? null : Description, Value!, time.GetUtcNow(),
                    HttpContext.RequestAborted) is not null)
            {
                TempData["Flash"] = $"Saved secret {request.Name}; targets name it as {{{{ secrets.{request.Name} }}}}.";
                return Redirect("/secrets");
            }
            Errors.Add("name", $"a secret named '{request.Name}' already exists; rotate it instead");
        }
        // The value is never sent back to the form.
        Value = null;
        await OnGetAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRotateAsync(Guid id)
    {
        var current = await secrets.GetAsync(User.Tenant(), id, HttpContext.RequestAborted);
        var errors = SecretValidator.Validate(new SecretRequest { Value = Value }, create: false, current?.Name);
        if (current is null || string.IsNullOrEmpty(Value) || !errors.IsValid)
        {
            TempData["Flash"] = current is null ? "No such secret." : $"Not rotated: {(string.IsNullOrEmpty(Value) ? "give the new value" : errors.ToString())}";
            return Redirect("/secrets");
        }
        var change = await secrets.ReplaceAsync(User.Tenant(), id, Version, current.Description, Value, time.GetUtcNow(), HttpContext.RequestAborted);
        TempData["Flash"] = change.Status switch
        {
            SecretChangeStatus.Done => $"Rotated {current.Name}: deliveries use the new value within seconds.",
            SecretChangeStatus.VersionMismatch => $"Not rotated: {current.Name} was rotated since this page was opened; reload it and rotate again.",
            _ => "No such secret.",
        };
        return Redirect("/secrets");
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id)
    {
        var change = await secrets.DeleteAsync(User.Tenant(), id, null, HttpContext.RequestAborted);
        TempData["Flash"] = change.Status switch
        {
            SecretChangeStatus.Done => $"Deleted {change.Secret!.Name}.",
            SecretChangeStatus.InUse => $"Not deleted: {string.Join(", ", change.Referrers!)} use {change.Secret!.Name}.",
            _ => "No such secret.",
        };
        return Redirect("/secrets");
    }
}
