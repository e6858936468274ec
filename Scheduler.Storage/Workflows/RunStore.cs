using Scheduler.Common;
using Dapper;
using Npgsql;
using Scheduler.Common.Workflows;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Results;
using Scheduler.Storage.Audit;

namespace Scheduler.Storage.Workflows;

/// <summary>What became of a request on a run.</summary>
public enum RunChangeStatus { Done, NotFound, InProgress, NothingToResume, UnknownStep, Finished }

/// <param name="Run">The run after the change (or as it is, when refused).</param>
public sealed record RunChange(RunChangeStatus Status, RunRecord? Run = null);

/// <summary>How a run is started: by whom, for which logical date, with which parameters.</summary>
/// <param name="TriggerExecutionId">For a schedule's occurrence: its execution (a second delivery finds the run the first started).</param>
/// <param name="Interval">The data interval the run covers, when it covers one.</param>
/// <param name="BackfillId">The backfill the run is one of.</param>
public sealed record RunStart(string Origin, DateTimeOffset LogicalDate, string? ParametersJson = null, Guid? TriggerExecutionId = null,
    Common.Schedules.DataInterval? Interval = null, Guid? BackfillId = null);

/// <summary>A run with its attempts and every execution of its steps.</summary>
public sealed record RunDetails(RunRecord Run, IReadOnlyList<RunAttemptRecord> Attempts, IReadOnlyList<ExecutionRecord> Steps);

/// <summary>Runs of workflows: started, resumed, rerun and cancelled here; moved on by <see cref="RunProgress"/>.</summary>
public sealed class RunStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Starts a run of the workflow with <paramref name="workflowId"/> (or, without one, named <paramref name="workflowName"/>)
    /// in <paramref name="tenant"/>: its first steps exist when this commits. Null when there is no such workflow.
    /// </summary>
    public async Task<RunRecord?> StartAsync(string tenant, Guid? workflowId, string? workflowName, RunStart start, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (start.TriggerExecutionId is { } trigger && await connection.QuerySingleOrDefaultAsync<RunRecord>(new CommandDefinition(WorkflowSql.RunByTrigger,
                new { TriggerExecutionId = trigger }, transaction, cancellationToken: cancellationToken)) is { } existing)
        {
            return existing;
        }
        var workflow = await connection.QuerySingleOrDefaultAsync<WorkflowRecord>(new CommandDefinition(WorkflowSql.Find,
            new { Tenant = tenant, Id = workflowId, Name = workflowName }, transaction, cancellationToken: cancellationToken));
        if (workflow is null)
        {
            return null;
        }
        var started = await StartInAsync(connection, transaction, workflow, start, now, cancellationToken);
        if (started is null && start.TriggerExecutionId is { } execution)
        {
            // The same occurrence's start committed meanwhile.
            await transaction.RollbackAsync(cancellationToken);
            return await FindByTriggerAsync(execution, cancellationToken);
        }
        if (started is null)
        {
            // Deleted meanwhile.
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }
        // A start asked for through the API is audited; one a schedule's occurrence makes (in an executor) is its history.
        await AuditLog.AppendAsync(connection, transaction, "workflow-run", "start", started.Id, started.WorkflowName, null, Summary(started), now,
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return started;
    }

    /// <summary>
    /// Inserts a run of <paramref name="workflow"/> in the caller's transaction, running (its first steps made) or queued behind
    /// maxActiveRuns. Null when the trigger's run exists already or the workflow was deleted meanwhile (roll back then).
    /// </summary>
    internal static async Task<RunRecord?> StartInAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WorkflowRecord workflow, RunStart start,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var run = await connection.QuerySingleOrDefaultAsync<RunRecord>(new CommandDefinition(WorkflowSql.InsertRun, new
        {
            // Queued runs start oldest first by id: ids made in one millisecond must keep their order too.
            Id = Common.TimeOrderedId.New(now),
            workflow.Tenant,
            WorkflowId = workflow.Id,
            WorkflowName = workflow.Name,
            WorkflowVersion = workflow.Version,
            workflow.Definition,
            workflow.DefinitionHash,
            start.Origin,
            start.TriggerExecutionId,
            start.LogicalDate,
            Parameters = start.ParametersJson ?? "{}",
            Status = "running",
            Now = now,
            IntervalStart = start.Interval?.Start,
            IntervalEnd = start.Interval?.End,
            start.BackfillId,
        }, transaction, cancellationToken: cancellationToken));
        if (run is null)
        {
            return null;
        }
        await connection.ExecuteAsync(new CommandDefinition(WorkflowSql.InsertAttempt, new
        {
            RunId = run.Id,
            Attempt = 1,
            Kind = "start",
            Steps = run.Steps.Select(s => s.Id).ToArray(),
            Requested = (string?)null,
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
        // The decision running or queued, made one start at a time per workflow (the lock is held from here to the commit); the
        // count is a statement of its own, so it reads after the lock is granted.
        Guid? locked;
        int active;
        await using (var batch = await connection.QueryMultipleAsync(new CommandDefinition(WorkflowSql.LockForCount + ";\n" + WorkflowSql.CountActive,
                         new { workflow.Id, Except = run.Id }, transaction, cancellationToken: cancellationToken)))
        {
            locked = await batch.ReadSingleOrDefaultAsync<Guid?>();
            active = await batch.ReadSingleAsync<int>();
        }
        if (locked is null)
        {
            return null;
        }
        if (active >= workflow.MaxActiveRuns)
        {
            await connection.ExecuteAsync(new CommandDefinition(WorkflowSql.Queue, new { run.Id }, transaction, cancellationToken: cancellationToken));
            return await connection.QuerySingleAsync<RunRecord>(new CommandDefinition(WorkflowSql.RunById, new { run.Id }, transaction,
                cancellationToken: cancellationToken));
        }
        await RunProgress.StartNewAsync(connection, transaction, run, now, cancellationToken);
        return run;
    }

    private async Task<RunRecord?> FindByTriggerAsync(Guid trigger, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<RunRecord>(new CommandDefinition(WorkflowSql.RunByTrigger, new { TriggerExecutionId = trigger },
            cancellationToken: cancellationToken));
    }

    public async Task<RunDetails?> GetAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot: the run's status, its attempts and its steps as of one instant.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var run = await connection.QuerySingleOrDefaultAsync<RunRecord>(new CommandDefinition(WorkflowSql.GetRun, new { Tenant = tenant, Id = id }, transaction,
            cancellationToken: cancellationToken));
        if (run is null)
        {
            return null;
        }
        var attempts = (await connection.QueryAsync<RunAttemptRecord>(new CommandDefinition(WorkflowSql.Attempts, new { RunId = id }, transaction,
            cancellationToken: cancellationToken))).AsList();
        var steps = (await connection.QueryAsync<ExecutionRecord>(new CommandDefinition(WorkflowSql.StepExecutions, new { RunId = id }, transaction,
            cancellationToken: cancellationToken))).AsList();
        await transaction.CommitAsync(cancellationToken);
        return new RunDetails(run, attempts, steps);
    }

    /// <summary>Newest first; <paramref name="before"/> is the last id of the page before.</summary>
    public async Task<IReadOnlyList<RunRecord>> ListAsync(string tenant, Guid? workflowId, string? status, int limit, Guid? before,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<RunRecord>(new CommandDefinition(WorkflowSql.ListRuns,
            new { Tenant = tenant, WorkflowId = workflowId, Status = status, Limit = limit, Before = before }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Resume a finished run from where it stopped: a new attempt that runs its failed and not-run steps (and what the rerun rule adds).</summary>
    public Task<RunChange> ResumeAsync(string tenant, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        ReopenAsync(tenant, id, now, "resume", null, (dag, latest) =>
        {
            var failed = dag.Order.Where(s => latest.GetValueOrDefault(s)?.State is not (StepState.Succeeded or StepState.RuleUnmet)).ToList();
            return failed.Count == 0 ? null : dag.WithRerunRule(failed);
        }, cancellationToken);

    /// <summary>Rerun one step of a finished run, alone or with everything downstream of it (and what the rerun rule adds).</summary>
    public Task<RunChange> RerunAsync(string tenant, Guid id, string step, bool downstream, DateTimeOffset now, CancellationToken cancellationToken) =>
        ReopenAsync(tenant, id, now, downstream ? "rerunDownstream" : "rerun", step, (dag, _) =>
        {
            var requested = new HashSet<string>(StringComparer.Ordinal) { step };
            if (downstream)
            {
                requested.UnionWith(dag.Descendants(step));
            }
            return dag.WithRerunRule(requested);
        }, cancellationToken);

    private async Task<RunChange> ReopenAsync(string tenant, Guid id, DateTimeOffset now, string kind, string? step,
        Func<Dag, IReadOnlyDictionary<string, StepRun>, HashSet<string>?> stepsToRun, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var run = await connection.QuerySingleOrDefaultAsync<RunRecord>(new CommandDefinition(WorkflowSql.GetRun, new { Tenant = tenant, Id = id }, transaction,
            cancellationToken: cancellationToken));
        if (run is null)
        {
            return new RunChange(RunChangeStatus.NotFound);
        }
        // The workflow first, then the run: the order a start takes (and a finishing run takes the workflow only after its run).
        var workflow = await connection.QuerySingleAsync<WorkflowRecord>(new CommandDefinition(WorkflowSql.LockById, new { Id = run.WorkflowId }, transaction,
            cancellationToken: cancellationToken));
        run = await connection.QuerySingleAsync<RunRecord>(new CommandDefinition(WorkflowSql.LockRun, new { Id = id }, transaction,
            cancellationToken: cancellationToken));
        if (run.Status is "queued" or "running")
        {
            return new RunChange(RunChangeStatus.InProgress, run);
        }
        var dag = new Dag(run.Steps);
        if (step is not null && !dag.Contains(step))
        {
            return new RunChange(RunChangeStatus.UnknownStep, run);
        }
        var latest = (await connection.QueryAsync<StepRow>(new CommandDefinition(WorkflowSql.StepStates, new { RunId = id }, transaction,
            cancellationToken: cancellationToken))).ToDictionary(r => r.StepId, r => r.ToStepRun(), StringComparer.Ordinal);
        if (stepsToRun(dag, latest) is not { } steps)
        {
            return new RunChange(RunChangeStatus.NothingToResume, run);
        }
        var active = await connection.ExecuteScalarAsync<int>(new CommandDefinition(WorkflowSql.CountActive, new { workflow.Id, Except = id }, transaction,
            cancellationToken: cancellationToken));
        var attempt = run.Attempt + 1;
        await connection.ExecuteAsync(new CommandDefinition(WorkflowSql.InsertAttempt, new
        {
            RunId = id,
            Attempt = attempt,
            Kind = kind,
            Steps = dag.Order.Where(steps.Contains).ToArray(),
            Requested = step,
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(WorkflowSql.Reopen, new
        {
            Id = id,
            Attempt = attempt,
            Status = active < workflow.MaxActiveRuns ? "running" : "queued",
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
        await RunProgress.AdvanceAsync(connection, transaction, [id], now, cancellationToken);
        var before = Summary(run);
        run = await connection.QuerySingleAsync<RunRecord>(new CommandDefinition(WorkflowSql.LockRun, new { Id = id }, transaction,
            cancellationToken: cancellationToken));
        await AuditLog.AppendAsync(connection, transaction, "workflow-run", kind, id, run.WorkflowName, before, Summary(run) with { Step = step }, now,
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RunChange(RunChangeStatus.Done, run);
    }

    /// <summary>
    /// Cancels a run: steps not started never will be, steps waiting end at once, steps running are asked to stop (as a
    /// cancel of their execution does); the run ends cancelled when the last of them has.
    /// </summary>
    public async Task<RunChange> CancelAsync(string tenant, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var run = await connection.QuerySingleOrDefaultAsync<RunRecord>(new CommandDefinition(WorkflowSql.GetRun, new { Tenant = tenant, Id = id }, transaction,
            cancellationToken: cancellationToken));
        if (run is null)
        {
            return new RunChange(RunChangeStatus.NotFound);
        }
        // Step executions before the run, as a report locks them (its execution, then the run).
        var unfinished = (await connection.QueryAsync<(Guid Id, string Status)>(new CommandDefinition(WorkflowSql.UnfinishedSteps, new { RunId = id },
            transaction, cancellationToken: cancellationToken))).AsList();
        run = await connection.QuerySingleAsync<RunRecord>(new CommandDefinition(WorkflowSql.LockRun, new { Id = id }, transaction,
            cancellationToken: cancellationToken));
        if (run.Status is not ("queued" or "running"))
        {
            return new RunChange(RunChangeStatus.Finished, run);
        }
        if (run.Status == "queued")
        {
            // Never started: it ends at once (as running, asked to stop, with nothing to wait for).
            await connection.ExecuteAsync(new CommandDefinition(WorkflowSql.Reopen, new { Id = id, run.Attempt, Status = "running", Now = now }, transaction,
                cancellationToken: cancellationToken));
        }
        await connection.ExecuteAsync(new CommandDefinition(WorkflowSql.RequestCancel, new { Id = id, Now = now }, transaction,
            cancellationToken: cancellationToken));
        foreach (var (execution, status) in unfinished)
        {
            if (ResultStore.StatusAfterCancel(status, tracksResult: true) is { } next)
            {
                await connection.ExecuteAsync(new CommandDefinition(ResultSql.Cancel, new { Id = execution, Now = now, Status = next }, transaction,
                    cancellationToken: cancellationToken));
            }
        }
        await RunProgress.AdvanceAsync(connection, transaction, [id], now, cancellationToken);
        var before = Summary(run);
        run = await connection.QuerySingleAsync<RunRecord>(new CommandDefinition(WorkflowSql.LockRun, new { Id = id }, transaction,
            cancellationToken: cancellationToken));
        await AuditLog.AppendAsync(connection, transaction, "workflow-run", "cancel", id, run.WorkflowName, before, Summary(run), now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RunChange(RunChangeStatus.Done, run);
    }

    /// <summary>What the audit trail keeps of a run (not its whole definition: the workflow's own rows have that).</summary>
    private static RunSummary Summary(RunRecord run) =>
        new(run.WorkflowId, run.WorkflowVersion, run.Status, run.Attempt, run.LogicalDate, SchedulerJson.ParseStored(run.Parameters));

    private sealed record RunSummary(Guid WorkflowId, int WorkflowVersion, string Status, int Attempt, DateTimeOffset LogicalDate,
        System.Text.Json.JsonElement Parameters, string? Step = null);
}
