using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using Scheduler.Storage.Audit;

namespace Scheduler.Storage.Access;

/// <summary>An API key as stored: never the key itself, only its hash and first characters.</summary>
public sealed class ApiKeyRecord
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public string Name { get; init; } = "";
    public string Scope { get; init; } = "";
    public string Prefix { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime? RevokedAt { get; init; }
}

/// <summary>A key just created: the only moment its secret text exists outside its holder.</summary>
public sealed record CreatedApiKey(ApiKeyRecord Record, string Key);

/// <summary>API keys (<c>smk_</c> + 43 base64url characters), their tenants and scopes.</summary>
public sealed class ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const string KeyPrefix = "smk_";

    /// <summary>Scopes from least to most powerful; each includes those before it.</summary>
    public static readonly string[] Scopes = ["read", "write", "admin"];

    public static string NewKey() => KeyPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public async Task<CreatedApiKey> CreateAsync(string tenant, string name, string scope, CancellationToken cancellationToken)
    {
        if (!Scopes.Contains(scope))
        {
            throw new ArgumentException($"'{scope}' is not a scope; use one of {string.Join(", ", Scopes)}", nameof(scope));
        }
        var key = NewKey();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var record = await connection.QuerySingleAsync<ApiKeyRecord>(new CommandDefinition("""
            insert into api_keys (id, tenant, name, scope, key_hash, prefix, created_at)
            values (@Id, @Tenant, @Name, @Scope, @Hash, @Prefix, @Now)
            returning id, tenant, name, scope, prefix, created_at as CreatedAt, revoked_at as RevokedAt
            """, new { Id = Guid.CreateVersion7(), Tenant = tenant, Name = name, Scope = scope, Hash = Hash(key), Prefix = key[..12], Now = now },
            transaction, cancellationToken: cancellationToken));
        // The record holds the key's prefix, never the key.
        await AuditLog.AppendAsync(connection, transaction, "api-key", "create", record.Id, record.Name, null, record, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreatedApiKey(record, key);
    }

    /// <summary>The live (not revoked) key with this text, or null.</summary>
    public Task<ApiKeyRecord?> FindAsync(string key, CancellationToken cancellationToken) => FindByHashAsync(Hash(key), cancellationToken);

    /// <summary>The live (not revoked) key with this hash, or null.</summary>
    public async Task<ApiKeyRecord?> FindByHashAsync(byte[] hash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApiKeyRecord>(new CommandDefinition("""
            select id, tenant, name, scope, prefix, created_at as CreatedAt, revoked_at as RevokedAt
            from api_keys where key_hash = @Hash and revoked_at is null
            """, new { Hash = hash }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ApiKeyRecord>(new CommandDefinition("""
            select id, tenant, name, scope, prefix, created_at as CreatedAt, revoked_at as RevokedAt
            from api_keys where tenant = @Tenant order by created_at, id limit 1000
            """, new { Tenant = tenant }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Revokes the tenant's key; returns its hash, or null when there is no such live key.</summary>
    public async Task<byte[]?> RevokeAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var revoked = await connection.QuerySingleOrDefaultAsync<RevokedKey>(new CommandDefinition(
            "update api_keys set revoked_at = @Now where tenant = @Tenant and id = @Id and revoked_at is null returning key_hash as KeyHash, name",
            new { Tenant = tenant, Id = id, Now = now }, transaction, cancellationToken: cancellationToken));
        if (revoked is { } key)
        {
            await AuditLog.AppendAsync(connection, transaction, "api-key", "revoke", id, key.Name, null, null, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return revoked?.KeyHash;
    }

    private sealed class RevokedKey
    {
        public byte[] KeyHash { get; init; } = [];
        public string Name { get; init; } = "";
    }
}
