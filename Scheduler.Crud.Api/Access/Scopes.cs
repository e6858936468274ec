using System.Security.Claims;
using Scheduler.Storage.Access;

namespace Scheduler.Crud.Api.Access;

/// <summary>Scopes are levels: read &lt; write &lt; admin; each includes the ones before it. Each is also the name of a policy.</summary>
public static class Scopes
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Admin = "admin";

    public const string TenantClaim = "scheduleman:tenant";
    public const string ScopeClaim = "scheduleman:scope";
    public const string KeyIdClaim = "scheduleman:key";
    public const string KeyNameClaim = "scheduleman:key-name";
    public const string KeyHashClaim = "scheduleman:key-hash";

    public static bool Includes(string held, string required) =>
        Array.IndexOf(ApiKeyStore.Scopes, held) >= Array.IndexOf(ApiKeyStore.Scopes, required);

    /// <summary>The caller's tenant: every query is scoped by it.</summary>
    public static string Tenant(this ClaimsPrincipal user) =>
        user.FindFirstValue(TenantClaim) ?? throw new InvalidOperationException("the request was not authenticated");

    /// <summary>True when the caller's scope includes <paramref name="required"/>.</summary>
    public static bool Allows(this ClaimsPrincipal user, string required) =>
        user.FindFirstValue(ScopeClaim) is { } held && Includes(held, required);

    public static IServiceCollection AddScopePolicies(this IServiceCollection services) =>
        services.AddAuthorizationBuilder()
            .AddPolicy(Read, p => p.RequireAssertion(c => c.User.Allows(Read)))
            .AddPolicy(Write, p => p.RequireAssertion(c => c.User.Allows(Write)))
            .AddPolicy(Admin, p => p.RequireAssertion(c => c.User.Allows(Admin)))
            // Workers' reports: only the report token of the execution in the route (never an API key).
            .AddPolicy(Results.ReportTokenAuthenticationHandler.Policy, p => p
                .AddAuthenticationSchemes(Results.ReportTokenAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser())
            .Services;
}
