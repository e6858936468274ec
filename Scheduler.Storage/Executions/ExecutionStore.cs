using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Scheduler.Common.Calendars;
using Scheduler.Common.Executions;
using Scheduler.Common.Outages;
using Scheduler.Common.Retry;
using Scheduler.Common.Results;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Calendars;
using Scheduler.Storage.Outages;
using Scheduler.Storage.Results;
using Scheduler.Storage.Schedules;
using Scheduler.Storage.Workflows;

namespace Scheduler.Storage.Executions;

/// <summary>What a claim takes: bounds and policies, all from the executor's options.</summary>
/// <param name="Owner">The executor id the leases are written to.</param>
/// <param name="Now">Database time.</param>
/// <param name="Lookahead">Occurrences due before now plus this are claimed now and fired on time.</param>
/// <param name="BatchSize">At most this many schedules, and this many pending or expired executions.</param>
/// <param name="MisfireThreshold">Occurrences older than this are fired once, together (see <see cref="OccurrencePlanner"/>).</param>
/// <param name="LeaseMargin">A lease lasts until due time plus the target's timeout plus this.</param>
/// <param name="Retry">The backoff for runs that failed or timed out (default <see cref="RetryPolicy.Default"/>).</param>
/// <param name="RunsEnded">Told of the runs this claim ended or sent back for retry (for metrics).</param>
/// <param name="LeasesLost">Told of the lost leases this claim found and what became of them (for metrics).</param>
/// <param name="Backlog">The claimer's previous claim got all it asked for, so more is almost surely due: skip the probe that
/// makes an idle poll cheap (under a backlog it is one more statement per batch, walking the index entries the previous
/// claims left behind) and claim at once.</param>
public sealed record ClaimRequest(string Owner, DateTimeOffset Now, TimeSpan Lookahead, int BatchSize, TimeSpan MisfireThreshold, TimeSpan LeaseMargin,
    RetryPolicy? Retry = null, Action<IReadOnlyList<RunEnd>>? RunsEnded = null, bool Backlog = false, Action<IReadOnlyList<LeaseEnd>>? LeasesLost = null)
{
    /// <summary>Bound on executions created for one schedule in one claim.</summary>
    public const int MaxFiresPerSchedule = 100;
}

/// <summary>What a claim took; when it found nothing claimable (and so took no locks), the earliest instant anything will be.</summary>
/// <param name="Executions">The executions claimed, leased to the claim's owner.</param>
/// <param name="NothingDue">Nothing was claimable: the claim ended after its first probe (never set for a <see cref="ClaimRequest.Backlog"/> claim, which does not probe).</param>
/// <param name="NextDue">With <paramref name="NothingDue"/>: the earliest instant any work becomes due (null: none is pending).</param>
public sealed record ClaimResult(IReadOnlyList<ClaimedExecution> Executions, bool NothingDue = false, DateTimeOffset? NextDue = null);

/// <summary>The executor's side of the database: claim due work, record outcomes, release on shutdown.</summary>
public sealed class ExecutionStore(NpgsqlDataSource dataSource, ILogger<ExecutionStore> logger)
{
    private static readonly string ClaimBatch = string.Join(";\n", OutageSql.ClaimGate, ScheduleSql.LockDue, OutageSql.Live, ResultSql.Unfinished, ExecutionSql.LockExpiredLeases);

    // One per store, and the store is one per executor process.
    private readonly CalendarCache _calendars = new();

    /// <summary>
    /// One short transaction with no network I/O: lock due schedules (SKIP LOCKED), create their executions
    /// leased to <see cref="ClaimRequest.Owner"/>, advance the schedules, end or release the deliveries whose lease expired
    /// (<see cref="LeaseLoss"/>), and lease pending executions.
    /// First, outside it, one probe of when each kind of work becomes claimable: an idle poll is that one round trip
    /// (skipped under a <see cref="ClaimRequest.Backlog"/>).
    /// </summary>
    public async Task<ClaimResult> ClaimAsync(ClaimRequest claim, CancellationToken cancellationToken)
    {
        var horizon = claim.Now + claim.Lookahead;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!claim.Backlog && await EarliestAsync(connection, cancellationToken) is var earliest && !earliest.AnyClaimable(claim.Now, horizon))
        {
            return new ClaimResult([], NothingDue: true, earliest.Least);
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // One round trip: pass the outage writes' gate, lock the due schedules, read the outages that may apply to them, and lock
        // the runs past their deadline and the deliveries whose lease expired.
        List<DueSchedule> due;
        List<OutageWindow> outages;
        List<UnfinishedRunRow> runs;
        List<LostLeaseRow> lost;
        await using (var batch = await connection.QueryMultipleAsync(new CommandDefinition(ClaimBatch,
                         new { Horizon = horizon, Batch = claim.BatchSize, claim.Now }, transaction, cancellationToken: cancellationToken)))
        {
            await batch.ReadSingleAsync<int>();
            due = (await batch.ReadAsync<DueSchedule>()).AsList();
            outages = (await batch.ReadAsync<OutageRecord>()).Select(o => o.ToWindow()).ToList();
            runs = (await batch.ReadAsync<UnfinishedRunRow>()).AsList();
            lost = (await batch.ReadAsync<LostLeaseRow>()).AsList();
        }
        var ended = runs.Count > 0 ? await EndRunsAsync(connection, transaction, runs, claim, cancellationToken) : [];
        var lostEnds = lost.Count > 0 ? await EndLostLeasesAsync(connection, transaction, lost, claim, cancellationToken) : [];

        var claimed = new List<ClaimedExecution>();
        if (due.Count > 0)
        {
            // Calendars from the cache (a stale or unseen one reloaded); neither they nor the live outages grow with history.
            var calendars = due.Any(d => d.CalendarId is not null)
                ? await _calendars.ResolveAsync(connection, transaction,
                    due.Where(d => d.CalendarId is not null && d.CalendarVersion is not null).Select(d => (d.CalendarId!.Value, d.CalendarVersion!.Value)),
                    cancellationToken)
                : new Dictionary<Guid, BusinessCalendar>();
            var fires = new FireColumns();
            var advance = new AdvanceColumns();
            foreach (var schedule in due)
            {
                Plan(schedule, claim, horizon, schedule.CalendarId is { } id ? calendars.GetValueOrDefault(id) : null, outages, fires, advance);
            }
            if (fires.Ids.Count > 0)
            {
                var leased = await connection.QueryAsync<ClaimedExecution>(new CommandDefinition(ExecutionSql.InsertPlanned, new
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
                    Statuses = fires.Statuses.ToArray(),
                    DueAts = fires.DueAts.ToArray(),
                    Notes = fires.Notes.ToArray(),
                    OutageIds = fires.OutageIds.ToArray(),
                    Completions = fires.Completions.ToArray(),
                    IntervalStarts = fires.IntervalStarts.ToArray(),
                    Parameters = fires.Parameters.ToArray(),
                }, transaction, cancellationToken: cancellationToken));
                foreach (var execution in leased)
                {
                    execution.DueAt = fires.DueAtOf(execution.Id);
                    claimed.Add(execution);
                }
            }
            await connection.ExecuteAsync(new CommandDefinition(ScheduleSql.Advance, new
            {
                claim.Now,
                Ids = advance.Ids.ToArray(),
                NextFireAts = advance.NextFireAts.ToArray(),
                States = advance.States.ToArray(),
                LastFiredAts = advance.LastFiredAts.ToArray(),
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
        if (ended.Count > 0)
        {
            claim.RunsEnded?.Invoke(ended);
        }
        if (lostEnds.Count > 0)
        {
            claim.LeasesLost?.Invoke(lostEnds);
        }
        return new ClaimResult(claimed);
    }

    private static Task<EarliestRow> EarliestAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<EarliestRow>(new CommandDefinition(ScheduleSql.Earliest, cancellationToken: cancellationToken));

    // timestamptz arrives as a UTC DateTime. The conditions mirror the claim's own: due schedules and pending attempts up to
    // the horizon, leases that have expired and run deadlines that have passed by now.
    private sealed record EarliestRow(DateTime? NextFire, DateTime? NextAttempt, DateTime? LeaseExpiry, DateTime? RunDeadline)
    {
        public bool AnyClaimable(DateTimeOffset now, DateTimeOffset horizon) =>
            NextFire <= horizon.UtcDateTime || NextAttempt <= horizon.UtcDateTime || LeaseExpiry < now.UtcDateTime || RunDeadline <= now.UtcDateTime;

        public DateTimeOffset? Least =>
            new[] { NextFire, NextAttempt, LeaseExpiry, RunDeadline }.Where(t => t is not null).Select(t => (DateTimeOffset?)new DateTimeOffset(t!.Value)).Min();
    }

    private async Task<IReadOnlyList<RunEnd>> EndRunsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<UnfinishedRunRow> runs, ClaimRequest claim,
        CancellationToken cancellationToken)
    {
        var retry = claim.Retry ?? RetryPolicy.Default;
        var ends = runs.Select(r => RunEnding.Decide(r.ToRun(), claim.Now, retry, Random.Shared.NextDouble())).ToList();
        foreach (var end in ends.Where(e => e.Status != "pending"))
        {
            logger.LogWarning("Run {ExecutionId} ended {Status} ({Reason})", end.Id, end.Status, end.EndReason);
        }
        var endedWork = await connection.QueryAsync<EndedWork>(new CommandDefinition(ResultSql.EndRuns, new
        {
            claim.Now,
            Ids = ends.Select(e => e.Id).ToArray(),
            Statuses = ends.Select(e => e.Status).ToArray(),
            NextAttemptAts = ends.Select(e => e.NextAttemptAt).ToArray(),
            EndReasons = ends.Select(e => e.EndReason).ToArray(),
            RunStatuses = ends.Select(e => e.RunStatus).ToArray(),
            Errors = ends.Select(e => e.Error).ToArray(),
        }, transaction, cancellationToken: cancellationToken));
        await EndedWork.MoveOnAsync(connection, transaction, endedWork.AsList(), claim.Now, cancellationToken);
        return ends;
    }

    // Lost leases are rare (an executor died), so this round trip is too; those released to pending are leased by this claim.
    private async Task<IReadOnlyList<LeaseEnd>> EndLostLeasesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<LostLeaseRow> lost, ClaimRequest claim,
        CancellationToken cancellationToken)
    {
        var ends = lost.Select(l => LeaseLoss.Decide(l.ToLease(), claim.Now)).ToList();
        foreach (var (row, end) in lost.Zip(ends))
        {
            logger.LogWarning("Execution {ExecutionId} attempt {Attempt}: executor {LeaseOwner} was lost while delivering it; now {Status}",
                row.Id, row.Attempt, row.LeaseOwner, end.Status);
        }
        // The lost attempt started, at the latest, when its lease says it was due (the lease was due + timeout + margin).
        var startedAts = lost.Select(l => l.LeasedUntil - l.Timeout - claim.LeaseMargin).ToArray();
        var endedWork = await connection.QueryAsync<EndedWork>(new CommandDefinition(ExecutionSql.EndLostLeases, new
        {
            claim.Now,
            Ids = lost.Select(l => l.Id).ToArray(),
            Attempts = lost.Select(l => l.Attempt).ToArray(),
            Owners = lost.Select(l => l.LeaseOwner).ToArray(),
            StartedAts = startedAts,
            Durations = lost.Zip(startedAts, (l, started) => (l.LeasedUntil - started).TotalMilliseconds).ToArray(),
            Statuses = ends.Select(e => e.Status).ToArray(),
            NextAttemptAts = ends.Select(e => e.NextAttemptAt).ToArray(),
            EndReasons = ends.Select(e => e.EndReason).ToArray(),
            Errors = ends.Select(e => e.Error).ToArray(),
        }, transaction, cancellationToken: cancellationToken));
        await EndedWork.MoveOnAsync(connection, transaction, endedWork.AsList(), claim.Now, cancellationToken);
        return ends;
    }

    /// <summary>Records a batch of attempt outcomes; returns how many executions moved on (leases still held).</summary>
    public async Task RecordAsync(string owner, DateTimeOffset now, IReadOnlyList<AttemptOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // A batch that may end a workflow step or a backfill's run moves it on in the same transaction; any other is one implicit transaction.
        await using var transaction = outcomes.Any(o => o.MayMoveOn) ? await connection.BeginTransactionAsync(cancellationToken) : null;
        var parameters = new
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
        };
        if (transaction is null)
        {
            // No backfill run here (that would have opened a transaction): the plain write unless a run is tracked.
            var sql = outcomes.Any(o => o.TracksResult) ? ExecutionSql.RecordTrackedOutcomes : ExecutionSql.RecordOutcomes;
            await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
            return;
        }
        var ended = (await connection.QueryAsync<EndedWork>(new CommandDefinition(ExecutionSql.RecordTrackedOutcomes, parameters, transaction,
            cancellationToken: cancellationToken))).AsList();
        await EndedWork.MoveOnAsync(connection, transaction, ended, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
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
        return (await EarliestAsync(connection, cancellationToken)).Least;
    }

    private void Plan(DueSchedule schedule, ClaimRequest claim, DateTimeOffset horizon, BusinessCalendar? calendar, List<OutageWindow> outages,
        FireColumns fires, AdvanceColumns advance)
    {
        OccurrencePlan plan;
        Occurrences occurrences;
        try
        {
            var timing = schedule.Timing;
            var labels = outages.Count == 0 ? new Dictionary<string, string>() : schedule.LabelMap;
            occurrences = timing.Occurrences(calendar);
            plan = OccurrencePlanner.Plan(new PlannedSchedule(schedule.Id, schedule.Tenant, labels), timing, occurrences, schedule.NextFireAt,
                claim.Now, horizon, claim.MisfireThreshold, ClaimRequest.MaxFiresPerSchedule, outages);
        }
        catch (Exception e) when (e is FormatException or InvalidTimeZoneException or TimeZoneNotFoundException or ArgumentException)
        {
            // Stored specs were validated, but the machine's time-zone data can change under them (or a calendar vanish).
            // Pausing keeps the schedule visible and stops it from blocking every claim.
            logger.LogError(e, "Schedule {ScheduleId} cannot compute its next occurrence; pausing it", schedule.Id);
            advance.Add(schedule.Id, null, "paused", null);
            return;
        }

        var timeout = schedule.TargetSpec.Timeout;
        var completion = schedule.Completion;
        var unfinished = schedule.Unfinished;
        var parameters = schedule.DefaultParameters;
        DateTimeOffset? lastFired = null;
        foreach (var fire in plan.Fires)
        {
            // Due within the lookahead: leased to this executor now. Later (jitter, a deferral): pending until then, for
            // whichever executor's claim comes first. Skipped: recorded as such, never delivered.
            var status = fire.Status switch
            {
                PlannedStatus.Skipped => "skipped",
                PlannedStatus.Fire when fire.Due <= horizon => "delivering",
                _ => "pending",
            };
            var note = fire.Reason;
            if (status != "skipped" && completion is { Overlap: not OverlapPolicy.Allow })
            {
                // The overlap policy: with a run unfinished, buffer one occurrence (it waits for that run's end) or skip.
                if (unfinished > 0 && completion.Overlap == OverlapPolicy.BufferOne && unfinished == 1)
                {
                    (status, note) = ("waiting", "buffered by the overlap policy: starts when the unfinished run ends");
                }
                else if (unfinished > 0)
                {
                    (status, note) = ("skipped", "skipped by the overlap policy: an earlier run had not finished");
                }
                unfinished += status == "skipped" ? 0 : 1;
            }
            if (status != "skipped" && (lastFired is null || fire.ScheduledFor > lastFired))
            {
                lastFired = fire.ScheduledFor;
            }
            // A timed occurrence covers the interval since the one before it (a search back bounded by the timing's period).
            fires.Add(Guid.CreateVersion7(), schedule, fire, status, fire.Status == PlannedStatus.Deferred ? "deferred" : fire.CatchUp ? "catchup" : "schedule",
                (fire.Due > claim.Now ? fire.Due : claim.Now) + timeout + claim.LeaseMargin, note, occurrences.IntervalEndingAt(fire.ScheduledFor), parameters);
        }
        advance.Add(schedule.Id, plan.NextFireAt, plan.NextFireAt is null ? "completed" : "active", lastFired);
    }

    private sealed class FireColumns
    {
        private readonly Dictionary<Guid, DateTimeOffset> _dueAts = [];

        public void Add(Guid id, DueSchedule schedule, PlannedFire fire, string status, string origin, DateTimeOffset leasedUntil, string? note,
            DataInterval? interval, string? parameters)
        {
            IntervalStarts.Add(interval?.Start);
            Parameters.Add(parameters);
            Ids.Add(id);
            ScheduleIds.Add(schedule.Id);
            Tenants.Add(schedule.Tenant);
            Names.Add(schedule.Name);
            ScheduledFors.Add(fire.ScheduledFor);
            Origins.Add(origin);
            Occurrences.Add(fire.Occurrences);
            MaxAttempts.Add(schedule.MaxAttempts);
            LeasedUntils.Add(leasedUntil);
            Targets.Add(schedule.Target);
            Statuses.Add(status);
            DueAts.Add(fire.Due);
            Notes.Add(note);
            Completions.Add(schedule.CompletionJson);
            OutageIds.Add(fire.OutageId);
            _dueAts[id] = fire.Due;
        }

        public DateTimeOffset DueAtOf(Guid id) => _dueAts[id];

        public List<string> Statuses { get; } = [];
        public List<DateTimeOffset> DueAts { get; } = [];
        public List<string?> Notes { get; } = [];
        public List<Guid?> OutageIds { get; } = [];
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
        public List<string?> Completions { get; } = [];
        public List<DateTimeOffset?> IntervalStarts { get; } = [];
        public List<string?> Parameters { get; } = [];
    }

    private sealed class AdvanceColumns
    {
        public List<Guid> Ids { get; } = [];
        public List<DateTimeOffset?> NextFireAts { get; } = [];
        public List<string> States { get; } = [];
        public List<DateTimeOffset?> LastFiredAts { get; } = [];

        public void Add(Guid id, DateTimeOffset? next, string state, DateTimeOffset? lastFired)
        {
            Ids.Add(id);
            NextFireAts.Add(next);
            States.Add(state);
            LastFiredAts.Add(lastFired);
        }
    }
}
