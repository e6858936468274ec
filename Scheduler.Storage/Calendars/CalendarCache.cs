using System.Collections.Concurrent;
using Dapper;
using Npgsql;
using Scheduler.Common.Calendars;

namespace Scheduler.Storage.Calendars;

/// <summary>
/// The executor's calendars, by id and version. A claim reads each due schedule's calendar version with it (a
/// primary-key probe) and reloads only a calendar it has not seen at that version, so the claim's cost does not grow
/// with the size of calendars, only with how often they change.
/// </summary>
internal sealed class CalendarCache
{
    private readonly ConcurrentDictionary<Guid, BusinessCalendar> _calendars = new();

    /// <summary>The calendars at the versions asked for, loading the missing or stale ones in one query on <paramref name="connection"/>.</summary>
    public async Task<IReadOnlyDictionary<Guid, BusinessCalendar>> ResolveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IEnumerable<(Guid Id, int Version)> wanted, CancellationToken cancellationToken)
    {
        var result = new Dictionary<Guid, BusinessCalendar>();
        var stale = new List<Guid>();
        foreach (var (id, version) in wanted.Distinct())
        {
            if (_calendars.TryGetValue(id, out var cached) && cached.Version == version)
            {
                result[id] = cached;
            }
            else
            {
                stale.Add(id);
            }
        }
        if (stale.Count > 0)
        {
            foreach (var record in await connection.QueryAsync<CalendarRecord>(new CommandDefinition(CalendarSql.GetByIds, new { Ids = stale.ToArray() },
                         transaction, cancellationToken: cancellationToken)))
            {
                result[record.Id] = _calendars[record.Id] = record.ToCalendar();
            }
        }
        return result;
    }
}
