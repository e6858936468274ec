using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Scheduler.Storage.Access;

namespace Scheduler.Crud.Api.Access;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c> against the stored key hashes
/// (cached for <see cref="CacheFor"/>, so a revoked key stops working within that time).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<AuthOptions> authOptions,
    ApiKeyStore keys,
    IMemoryCache cache) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    private readonly AuthOptions _auth = authOptions.Value;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!_auth.Enabled)
        {
            Response.Headers["Scheduleman-Auth"] = "disabled";
            return Success("auth-disabled", _auth.BootstrapTenant, Scopes.Admin);
        }
        if (PresentedKey() is not { } key)
        {
            return AuthenticateResult.NoResult();
        }
        if (_auth.BootstrapKey is { Length: > 0 } bootstrap &&
            CryptographicOperations.FixedTimeEquals(ApiKeyStore.Hash(key), ApiKeyStore.Hash(bootstrap)))
        {
            return Success("bootstrap", _auth.BootstrapTenant, Scopes.Admin);
        }
        if (!key.StartsWith(ApiKeyStore.KeyPrefix, StringComparison.Ordinal) || key.Length > 100)
        {
            return AuthenticateResult.Fail("that is not an API key this service issued");
        }
        // Cached by hash, so the key text is not kept in memory longer than the request.
        var cacheKey = "apikey:" + Convert.ToHexString(ApiKeyStore.Hash(key));
        var record = await cache.GetOrCreateAsync(cacheKey, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            return keys.FindAsync(key, Context.RequestAborted);
        });
        return record is null
            ? AuthenticateResult.Fail("the API key is unknown or revoked")
            : Success(record.Id.ToString(), record.Tenant, record.Scope);
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

    private static AuthenticateResult Success(string keyId, string tenant, string scope)
    {
        var identity = new ClaimsIdentity(
            [new Claim(Scopes.KeyIdClaim, keyId), new Claim(Scopes.TenantClaim, tenant), new Claim(Scopes.ScopeClaim, scope)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private Task Problem(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(Context);
    }
}
