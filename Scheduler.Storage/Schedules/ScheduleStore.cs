using System.Text.Json;
using Dapper;
using Npgsql;
using Scheduler.Common;
using Scheduler.Common.Schedules;

namespace Scheduler.Storage.Schedules;

/// <summary>The API's side of <c>schedules</c>.</summary>
public sealed class ScheduleStore(NpgsqlDataSource dataSource)
{
    /// <summary>Inserts a new schedule; returns null when a live schedule of that name exists in the tenant.</summary>
    public async Task<ScheduleRecord?> InsertAsync(string tenant, ScheduleDefinition definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var timing = definition.Timing;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ScheduleRecord>(new CommandDefinition(ScheduleSql.Insert, new
        {
            Id = Guid.CreateVersion7(now),
            Tenant = tenant,
            definition.Name,
            definition.Description,
            Labels = JsonSerializer.Serialize(definition.Labels, SchedulerJson.Options),
            Kind = ScheduleKinds.ToDb(timing.Kind),
            timing.Cron,
            timing.TimeZone,
            timing.RunAt,
            timing.Delay,
            Target = JsonSerializer.Serialize(definition.Target, SchedulerJson.Options),
            definition.MaxAttempts,
            NextFireAt = timing.FirstFireAt(now),
            Now = now,
        }, cancellationToken: cancellationToken));
    }

    public async Task<ScheduleRecord?> GetAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ScheduleRecord>(new CommandDefinition(ScheduleSql.Get,
            new { Tenant = tenant, Id = id }, cancellationToken: cancellationToken));
    }

    /// <summary>A page of schedules in creation order, after the schedule <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<ScheduleRecord>> ListAsync(string tenant, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ScheduleRecord>(new CommandDefinition(ScheduleSql.List,
            new { Tenant = tenant, After = after, Limit = limit }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Deletes a schedule (its history stays); false when there was none.</summary>
    public async Task<bool> DeleteAsync(string tenant, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(ScheduleSql.Delete,
            new { Tenant = tenant, Id = id, Now = now }, cancellationToken: cancellationToken)) == 1;
    }
}
