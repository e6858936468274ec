using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Scheduler.Crud.Api.Access;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c> with the <see cref="ApiKeyResolver"/>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<AuthOptions> authOptions,
    ApiKeyResolver resolver) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    private readonly AuthOptions _auth = authOptions.Value;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!_auth.Enabled)
        {
            Response.Headers["Scheduleman-Auth"] = "disabled";
            return Success(ApiKeyResolver.Identity("auth-disabled", _auth.BootstrapTenant, Scopes.Admin, null, SchemeName));
        }
        // A worker's report token is not an API key: the report endpoint's own scheme checks it.
        if (PresentedKey() is not { } key || key.StartsWith(Common.Results.ReportToken.Prefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.NoResult();
        }
        return await resolver.ResolveAsync(key, SchemeName, Context.RequestAborted) is { } identity
            ? Success(identity)
            : AuthenticateResult.Fail("the API key is unknown or revoked");
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"scheduleman\"";
        await Problem(StatusCodes.Status401Unauthorized, "Authentication required.",
            result.Failure?.Message is { } why
                ? $"{why}. Send the key as 'Authorization: Bearer <key>' or '{HeaderName}: <key>'."
                : $"Send an API key as 'Authorization: Bearer <key>' or '{HeaderName}: <key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problem(StatusCodes.Status403Forbidden, "The API key's scope does not allow this.",
            $"This key has scope '{Context.User.FindFirstValue(Scopes.ScopeClaim)}'; this request needs more (read < write < admin).");

    private string? PresentedKey()
    {
        if (Request.Headers.TryGetValue(HeaderName, out var header) && header.Count == 1 && !string.IsNullOrWhiteSpace(header[0]))
        {
            return header[0]!.Trim();
        }
        if (AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var authorization) &&
            authorization.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(authorization.Parameter))
        {
            return authorization.Parameter.Trim();
        }
        return null;
    }

    private static AuthenticateResult Success(ClaimsIdentity identity) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));

    private Task Problem(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Microsoft.AspNetCore.Http.Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(Context);
    }
}
