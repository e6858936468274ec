using System.Security.Claims;

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
    public const string KeyHashClaim = "scheduleman:key-hash";

    private static readonly string[] Levels = [Read, Write, Admin];

    public static bool Includes(string held, string required) => Array.IndexOf(Levels, held) >= Array.IndexOf(Levels, required);

    /// <summary>The caller's tenant: every query is scoped by it.</summary>
    public static string Tenant(this ClaimsPrincipal user) =>
        user.FindFirstValue(TenantClaim) ?? throw new InvalidOperationException("the request was not authenticated");

    /// <summary>True when the caller's scope includes <paramref name="required"/>.</summary>
    public static bool Allows(this ClaimsPrincipal user, string required) => Held(user, required);

    public static IServiceCollection AddScopePolicies(this IServiceCollection services) =>
        services.AddAuthorizationBuilder()
            .AddPolicy(Read, p => p.RequireAssertion(c => Held(c.User, Read)))
            .AddPolicy(Write, p => p.RequireAssertion(c => Held(c.User, Write)))
            .AddPolicy(Admin, p => p.RequireAssertion(c => Held(c.User, Admin)))
            .Services;

    private static bool Held(ClaimsPrincipal user, string required) =>
        user.FindFirstValue(ScopeClaim) is { } held && Includes(held, required);
}
