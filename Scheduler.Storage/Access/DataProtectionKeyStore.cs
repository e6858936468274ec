using Dapper;
using Npgsql;

namespace Scheduler.Storage.Access;

/// <summary>
/// The API's Data Protection key ring, one row per key (its XML, already encrypted by the caller). Synchronous because ASP.NET's
/// key manager asks synchronously; it reads rarely (at start and when its cached ring expires, about daily).
/// </summary>
public sealed class DataProtectionKeyStore(NpgsqlDataSource dataSource)
{
    public IReadOnlyList<string> All()
    {
        using var connection = dataSource.OpenConnection();
        return connection.Query<string>("select xml from data_protection_keys order by created_at, name").AsList();
    }

    /// <summary>Adds a key; a second replica adding the same key (same name) changes nothing.</summary>
    public void Add(string name, string xml)
    {
        using var connection = dataSource.OpenConnection();
        connection.Execute("insert into data_protection_keys (name, xml) values (@Name, @Xml) on conflict (name) do nothing", new { Name = name, Xml = xml });
    }
}
