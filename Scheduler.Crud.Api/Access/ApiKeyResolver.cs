using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Scheduler.Storage.Access;

namespace Scheduler.Crud.Api.Access;

/// <summary>
/// Who an API key (or its hash, as a signed-in browser holds it) is: tenant and scope, or null when it is unknown
/// or revoked. Lookups are cached for <see cref="CacheFor"/>, so a revoked key stops working within that time.
/// </summary>
public sealed class ApiKeyResolver(IOptions<AuthOptions> auth, ApiKeyStore keys, IMemoryCache cache)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    private readonly AuthOptions _auth = auth.Value;
    private readonly byte[]? _bootstrapHash = auth.Value.BootstrapKey is { Length: > 0 } bootstrap ? ApiKeyStore.Hash(bootstrap) : null;

    public Task<ClaimsIdentity?> ResolveAsync(string key, string authenticationType, CancellationToken cancellationToken) =>
        key.Length > 200 ? Task.FromResult<ClaimsIdentity?>(null) : ResolveHashAsync(ApiKeyStore.Hash(key), authenticationType, cancellationToken);

    public async Task<ClaimsIdentity?> ResolveHashAsync(byte[] hash, string authenticationType, CancellationToken cancellationToken)
    {
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            return Identity("bootstrap", _auth.BootstrapTenant, Scopes.Admin, hash, authenticationType, "bootstrap key");
        }
        var record = await cache.GetOrCreateAsync(CacheKey(hash), entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            return keys.FindByHashAsync(hash, cancellationToken);
        });
        return record is null ? null : Identity(record.Id.ToString(), record.Tenant, record.Scope, hash, authenticationType, record.Name);
    }

    /// <summary>Revokes a key: it stops working here at once (other API replicas within <see cref="CacheFor"/>).</summary>
    public async Task<bool> RevokeAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        if (await keys.RevokeAsync(tenant, id, cancellationToken) is not { } hash)
        {
            return false;
        }
        cache.Remove(CacheKey(hash));
        return true;
    }

    private static string CacheKey(byte[] hash) => "apikey:" + Convert.ToHexString(hash);

    public static ClaimsIdentity Identity(string keyId, string tenant, string scope, byte[]? hash, string authenticationType, string? keyName = null)
    {
        List<Claim> claims = [new(Scopes.KeyIdClaim, keyId), new(Scopes.TenantClaim, tenant), new(Scopes.ScopeClaim, scope)];
        if (keyName is not null)
        {
            claims.Add(new Claim(Scopes.KeyNameClaim, keyName));
        }
        if (hash is not null)
        {
            claims.Add(new Claim(Scopes.KeyHashClaim, Convert.ToHexString(hash)));
        }
        return new ClaimsIdentity(claims, authenticationType);
    }
}
