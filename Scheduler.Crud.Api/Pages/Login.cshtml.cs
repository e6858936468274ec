using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;

namespace Scheduler.Crud.Api.Pages;

/// <summary>Signs a browser in with an API key; the cookie then carries the key's tenant and scope.</summary>
[AllowAnonymous]
public sealed class LoginModel(ApiKeyResolver resolver) : PageModel
{
    public string? Error { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? key)
    {
        if (string.IsNullOrWhiteSpace(key) || await resolver.ResolveAsync(key.Trim(), AccessControl.BrowserScheme, HttpContext.RequestAborted) is not { } identity)
        {
            Error = "That API key is unknown or revoked.";
            return Page();
        }
        await HttpContext.SignInAsync(AccessControl.BrowserScheme, new ClaimsPrincipal(identity));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}

/// <summary>Signs the browser out.</summary>
public static class Logout
{
    public static IEndpointRouteBuilder MapLogout(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(AccessControl.BrowserScheme);
            return TypedResults.LocalRedirect("/login");
        }).ExcludeFromDescription();
        return app;
    }
}
