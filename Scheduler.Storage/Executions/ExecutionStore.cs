using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Schedules;

namespace Scheduler.Storage.Executions;

/// <summary>What a claim takes: bounds and policies, all from the executor's options.</summary>
/// <param name="Owner">The executor id the leases are written to.</param>
/// <param name="Now">Database time.</param>
/// <param name="Lookahead">Occurrences due before now plus this are claimed now and fired on time.</param>
/// <param name="BatchSize">At most this many schedules, and this many pending or expired executions.</param>
/// <param name="MisfireThreshold">Occurrences older than this are fired once, together (see <see cref="OccurrencePlanner"/>).</param>
/// <param name="LeaseMargin">A lease lasts until due time plus the target's timeout plus this.</param>
public sealed record ClaimRequest(string Owner, DateTimeOffset Now, TimeSpan Lookahead, int BatchSize, TimeSpan MisfireThreshold, TimeSpan LeaseMargin)
{
    /// <summary>Bound on executions created for one schedule in one claim.</summary>
    public const int MaxFiresPerSchedule = 100;
}

/// <summary>The executor's side of the database: claim due work, record outcomes, release on shutdown.</summary>
public sealed class ExecutionStore(NpgsqlDataSource dataSource, ILogger<ExecutionStore> logger)
{
    /// <summary>
    /// One short transaction with no network I/O: lock due schedules (SKIP LOCKED), create their executions
    /// leased to <see cref="ClaimRequest.Owner"/>, advance the schedules, and lease pending or abandoned executions.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedExecution>> ClaimAsync(ClaimRequest claim, CancellationToken cancellationToken)
    {
        var horizon = claim.Now + claim.Lookahead;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var due = (await connection.QueryAsync<DueSchedule>(new CommandDefinition(ScheduleSql.LockDue,
            new { Horizon = horizon, Batch = claim.BatchSize }, transaction, cancellationToken: cancellationToken))).AsList();

        var claimed = new List<ClaimedExecution>();
        if (due.Count > 0)
        {
            var fires = new FireColumns();
            var advance = new AdvanceColumns();
            foreach (var schedule in due)
            {
                Plan(schedule, claim, horizon, fires, advance);
            }
            if (fires.Ids.Count > 0)
            {
                claimed.AddRange(await connection.QueryAsync<ClaimedExecution>(new CommandDefinition(ExecutionSql.InsertLeased, new
                {
                    claim.Owner,
                    claim.Now,
                    Ids = fires.Ids.ToArray(),
                    ScheduleIds = fires.ScheduleIds.ToArray(),
                    Tenants = fires.Tenants.ToArray(),
                    Names = fires.Names.ToArray(),
                    ScheduledFors = fires.ScheduledFors.ToArray(),
                    Origins = fires.Origins.ToArray(),
                    Occurrences = fires.Occurrences.ToArray(),
                    MaxAttempts = fires.MaxAttempts.ToArray(),
                    LeasedUntils = fires.LeasedUntils.ToArray(),
                    Targets = fires.Targets.ToArray(),
                }, transaction, cancellationToken: cancellationToken)));
            }
            await connection.ExecuteAsync(new CommandDefinition(ScheduleSql.Advance, new
            {
                claim.Now,
                Ids = advance.Ids.ToArray(),
                NextFireAts = advance.NextFireAts.ToArray(),
                States = advance.States.ToArray(),
            }, transaction, cancellationToken: cancellationToken));
        }

        claimed.AddRange(await connection.QueryAsync<ClaimedExecution>(new CommandDefinition(ExecutionSql.LeaseDue, new
        {
            claim.Owner,
            claim.Now,
            Horizon = horizon,
            Batch = claim.BatchSize,
            claim.LeaseMargin,
        }, transaction, cancellationToken: cancellationToken)));

        await transaction.CommitAsync(cancellationToken);
        return claimed;
    }

    /// <summary>Records a batch of attempt outcomes; returns how many executions moved on (leases still held).</summary>
    public async Task RecordAsync(string owner, DateTimeOffset now, IReadOnlyList<AttemptOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(ExecutionSql.RecordOutcomes, new
        {
            Owner = owner,
            Now = now,
            Ids = outcomes.Select(o => o.ExecutionId).ToArray(),
            Attempts = outcomes.Select(o => o.Attempt).ToArray(),
            Statuses = outcomes.Select(o => o.Status).ToArray(),
            NextAttemptAts = outcomes.Select(o => o.NextAttemptAt).ToArray(),
            StatusCodes = outcomes.Select(o => o.StatusCode).ToArray(),
            Errors = outcomes.Select(o => o.Error).ToArray(),
            StartedAts = outcomes.Select(o => o.StartedAt).ToArray(),
            Durations = outcomes.Select(o => o.Duration.TotalMilliseconds).ToArray(),
            Outcomes = outcomes.Select(o => o.OutcomeName).ToArray(),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>Hands back leased executions whose attempt never started (graceful shutdown).</summary>
    public async Task ReleaseAsync(string owner, IReadOnlyList<ClaimedExecution> executions, CancellationToken cancellationToken)
    {
        if (executions.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(ExecutionSql.Release, new
        {
            Owner = owner,
            Ids = executions.Select(e => e.Id).ToArray(),
            DueAts = executions.Select(e => e.DueAt).ToArray(),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>How many schedules and executions are due now and not yet claimed (bounded at a million each).</summary>
    public async Task<long> DueBacklogAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(ScheduleSql.DueBacklog, new { Now = now }, cancellationToken: cancellationToken));
    }

    /// <summary>The earliest instant any work becomes due, or null when nothing is pending.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // timestamptz arrives as a UTC DateTime.
        var next = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(ScheduleSql.NextDue, cancellationToken: cancellationToken));
        return next is { } at ? new DateTimeOffset(at) : null;
    }

    private void Plan(DueSchedule schedule, ClaimRequest claim, DateTimeOffset horizon, FireColumns fires, AdvanceColumns advance)
    {
        OccurrencePlan plan;
        try
        {
            plan = OccurrencePlanner.Plan(schedule.Timing, schedule.NextFireAt, claim.Now, horizon, claim.MisfireThreshold, ClaimRequest.MaxFiresPerSchedule);
        }
        catch (Exception e) when (e is FormatException or InvalidTimeZoneException or TimeZoneNotFoundException)
        {
            // Stored specs were validated, but the machine's time-zone data can change under them.
            // Pausing keeps the schedule visible and stops it from blocking every claim.
            logger.LogError(e, "Schedule {ScheduleId} cannot compute its next occurrence; pausing it", schedule.Id);
            advance.Add(schedule.Id, null, "paused");
            return;
        }

        var timeout = schedule.TargetSpec.Timeout;
        foreach (var fire in plan.Fires)
        {
            fires.Ids.Add(Guid.CreateVersion7());
            fires.ScheduleIds.Add(schedule.Id);
            fires.Tenants.Add(schedule.Tenant);
            fires.Names.Add(schedule.Name);
            fires.ScheduledFors.Add(fire.ScheduledFor);
            fires.Origins.Add(fire.CatchUp ? "catchup" : "schedule");
            fires.Occurrences.Add(fire.Occurrences);
            fires.MaxAttempts.Add(schedule.MaxAttempts);
            fires.LeasedUntils.Add((fire.ScheduledFor > claim.Now ? fire.ScheduledFor : claim.Now) + timeout + claim.LeaseMargin);
            fires.Targets.Add(schedule.Target);
        }
        advance.Add(schedule.Id, plan.NextFireAt, plan.NextFireAt is null ? "completed" : "active");
    }

    private sealed class FireColumns
    {
        public List<Guid> Ids { get; } = [];
        public List<Guid> ScheduleIds { get; } = [];
        public List<string> Tenants { get; } = [];
        public List<string> Names { get; } = [];
        public List<DateTimeOffset> ScheduledFors { get; } = [];
        public List<string> Origins { get; } = [];
        public List<int> Occurrences { get; } = [];
        public List<int> MaxAttempts { get; } = [];
        public List<DateTimeOffset> LeasedUntils { get; } = [];
        public List<string> Targets { get; } = [];
    }

    private sealed class AdvanceColumns
    {
        public List<Guid> Ids { get; } = [];
        public List<DateTimeOffset?> NextFireAts { get; } = [];
        public List<string> States { get; } = [];

        public void Add(Guid id, DateTimeOffset? next, string state)
        {
            Ids.Add(id);
            NextFireAts.Add(next);
            States.Add(state);
        }
    }
}
