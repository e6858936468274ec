using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Access;

namespace Scheduler.Crud.Api.Pages;

/// <summary>The tenant's API keys (admin): create (shown once), list, revoke.</summary>
[Authorize(Policy = Scopes.Admin)]
public sealed class KeysModel(ApiKeyStore keys, ApiKeyResolver resolver) : PageModel
{
    public IReadOnlyList<ApiKeyRecord> Keys { get; private set; } = [];
    public CreatedApiKey? Created { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync() => Keys = await keys.ListAsync(User.Tenant(), HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostCreateAsync(string? keyName, string? scope)
    {
        var errors = ApiKeysApi.Validate(new ApiKeyRequest(keyName, scope), out var name);
        if (errors.IsValid)
        {
            Created = await keys.CreateAsync(User.Tenant(), name, scope!, HttpContext.RequestAborted);
        }
        else
        {
            Error = errors.ToString();
        }
        await OnGetAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid key)
    {
        TempData["Flash"] = await resolver.RevokeAsync(User.Tenant(), key, HttpContext.RequestAborted) ? "Revoked." : "No such key.";
        return Redirect("/keys");
    }
}
