using Dapper;
using Npgsql;

namespace Scheduler.Executor.Firing;

/// <summary>
/// The executor's <see cref="TimeProvider"/>: the machine clock corrected by its measured offset from the
/// database clock, so that every executor fires by the same (database) time whatever its host's drift.
/// </summary>
public sealed class DatabaseClock(NpgsqlDataSource dataSource) : TimeProvider
{
    private long _offsetTicks;

    /// <summary>Database time minus local time, as last measured.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <summary>Measures the offset, assuming the database read its clock halfway through the round trip.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var best = TimeSpan.MaxValue;
        var offset = TimeSpan.Zero;
        // The shortest of a few round trips gives the least uncertain reading.
        for (var i = 0; i < 3; i++)
        {
            var before = System.GetUtcNow();
            // timestamptz arrives as a UTC DateTime.
            var database = new DateTimeOffset(await connection.ExecuteScalarAsync<DateTime>(
                new CommandDefinition("select clock_timestamp()", cancellationToken: cancellationToken)));
            var after = System.GetUtcNow();
            var roundTrip = after - before;
            if (roundTrip < best)
            {
                best = roundTrip;
                offset = database - (before + roundTrip / 2);
            }
        }
        Interlocked.Exchange(ref _offsetTicks, offset.Ticks);
    }
}
