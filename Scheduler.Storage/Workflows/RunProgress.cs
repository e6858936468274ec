using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using Scheduler.Common;
using Scheduler.Common.Delivery;
using Scheduler.Common.Workflows;

namespace Scheduler.Storage.Workflows;

/// <summary>
/// Moves runs on inside the transaction that ended one of their steps (a report, a timeout, a dead letter, a cancel) or
/// that started, resumed or reran them: so the steps a change unblocks exist exactly when the change does — a crash can
/// neither lose nor double them — and the executors need no loop of their own. <see cref="RunPlanner"/> decides.
/// </summary>
internal static class RunProgress
{
    /// <summary>Advances each run (locked in id order, so two transactions advancing the same runs never deadlock on them).</summary>
    public static async Task AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<Guid> runIds, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        foreach (var id in runIds.Distinct().Order())
        {
            await AdvanceOneAsync(connection, transaction, id, now, depth: 0, cancellationToken);
        }
    }

    /// <summary>
    /// The first steps of a run this transaction has just inserted: planned from nothing (no one else can see the run yet,
    /// and it has no executions), so nothing is read back.
    /// </summary>
    public static Task StartNewAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunRecord run, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var dag = new Dag(run.Steps);
        var decision = RunPlanner.Plan(dag, dag.Order.ToHashSet(StringComparer.Ordinal), run.Attempt, cancelRequested: false, new Dictionary<string, StepRun>());
        return InsertStepsAsync(connection, transaction, run, dag, decision, [], now, cancellationToken);
    }

    private static async Task AdvanceOneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, DateTimeOffset now, int depth,
        CancellationToken cancellationToken)
    {
        // One round trip: lock the run, then (each statement reading after the lock) its attempt's steps and its steps' states.
        RunRecord? run;
        string[] attemptSteps;
        Dictionary<string, StepRow> rows;
        await using (var batch = await connection.QueryMultipleAsync(new CommandDefinition(
                         WorkflowSql.LockRun + ";\n" + WorkflowSql.CurrentAttemptSteps + ";\n" + WorkflowSql.StepStates, new { Id = id, RunId = id }, transaction,
                         cancellationToken: cancellationToken)))
        {
            run = await batch.ReadSingleOrDefaultAsync<RunRecord>();
            attemptSteps = await batch.ReadSingleOrDefaultAsync<string[]>() ?? [];
            rows = (await batch.ReadAsync<StepRow>()).ToDictionary(r => r.StepId, StringComparer.Ordinal);
        }
        if (run is not { Status: "running" })
        {
            return;
        }
        var dag = new Dag(run.Steps);
        var decision = RunPlanner.Plan(dag, attemptSteps.ToHashSet(StringComparer.Ordinal), run.Attempt, run.CancelRequestedAt is not null,
            rows.ToDictionary(r => r.Key, r => r.Value.ToStepRun(), StringComparer.Ordinal));

        if (decision.Start.Count + decision.NotRun.Count > 0)
        {
            await InsertStepsAsync(connection, transaction, run, dag, decision, rows, now, cancellationToken);
        }
        if (decision.Finished is { } status)
        {
            await connection.ExecuteAsync(new CommandDefinition(WorkflowSql.FinishRun, new { Id = id, Status = status, Now = now }, transaction,
                cancellationToken: cancellationToken));
            if (run.BackfillId is { } backfill)
            {
                // Locks in the order run, backfill, workflow: the backfill's next run takes the workflow's row after this.
                await Backfills.BackfillProgress.AdvanceAsync(connection, transaction, [backfill], now, cancellationToken);
            }
            await StartQueuedAsync(connection, transaction, run.WorkflowId, now, depth, cancellationToken);
        }
    }

    /// <summary>Starts the runs queued behind maxActiveRuns that now fit.</summary>
    internal static async Task StartQueuedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workflowId, DateTimeOffset now, int depth,
        CancellationToken cancellationToken)
    {
        // Bounded: a started run creates its first steps and cannot finish in the same breath unless every step is skipped.
        if (depth > 8)
        {
            return;
        }
        var maxActiveRuns = await connection.ExecuteScalarAsync<int>(new CommandDefinition(WorkflowSql.ShareById, new { Id = workflowId }, transaction,
            cancellationToken: cancellationToken));
        var queued = (await connection.QueryAsync<Guid>(new CommandDefinition(WorkflowSql.Dequeue,
            new { WorkflowId = workflowId, MaxActiveRuns = maxActiveRuns }, transaction, cancellationToken: cancellationToken))).AsList();
        if (queued.Count == 0)
        {
            return;
        }
        await connection.ExecuteAsync(new CommandDefinition(WorkflowSql.StartQueued, new { Ids = queued.ToArray(), Now = now }, transaction,
            cancellationToken: cancellationToken));
        foreach (var run in queued)
        {
            await AdvanceOneAsync(connection, transaction, run, now, depth + 1, cancellationToken);
        }
    }

    private static async Task InsertStepsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunRecord run, Dag dag, RunDecision decision,
        Dictionary<string, StepRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var steps = decision.Start.Select(s => (Step: s, Status: "pending", Reason: (string?)null))
            .Concat(decision.NotRun.Select(n => (n.Step, Status: "skipped", Reason: (string?)n.Reason))).ToList();
        JsonElement? parameters = SchedulerJson.ParseStored(run.Parameters);
        // Steps due now wake the executors when this commits, in the same round trip as the insert.
        var sql = decision.Start.Count > 0 ? WorkflowSql.InsertSteps + $";\nselect pg_notify('{DueNotifications.Channel}', '')" : WorkflowSql.InsertSteps;
        await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            run.Tenant,
            RunId = run.Id,
            run.Attempt,
            Now = now,
            Ids = steps.Select(_ => Guid.CreateVersion7(now)).ToArray(),
            Names = steps.Select(s => $"{run.WorkflowName}/{s.Step}").ToArray(),
            Statuses = steps.Select(s => s.Status).ToArray(),
            MaxAttempts = steps.Select(s => dag[s.Step].MaxAttempts).ToArray(),
            Targets = steps.Select(s => JsonSerializer.Serialize(dag[s.Step].Target, SchedulerJson.Options)).ToArray(),
            EndReasons = steps.Select(s => s.Reason).ToArray(),
            Notes = steps.Select(s => s.Reason switch
            {
                "upstream-failed" => "not run: an upstream step failed",
                "rule-unmet" => $"not run: its trigger rule ({TriggerRules.NameOf(dag[s.Step].TriggerRule)}) was not met",
                _ => null,
            }).ToArray(),
            Completions = steps.Select(s => dag[s.Step].Completion.ToJson()).ToArray(),
            StepIds = steps.Select(s => s.Step).ToArray(),
            Contexts = steps.Select(s => s.Status == "pending" ? ContextFor(run, dag[s.Step], rows, parameters).ToJson() : null).ToArray(),
        }, transaction, cancellationToken: cancellationToken));
    }

    // The upstream outputs a step's trigger carries, in dependency order, as many as fit in the bound.
    private static StepContext ContextFor(RunRecord run, StepDefinition step, Dictionary<string, StepRow> rows, JsonElement? parameters)
    {
        var upstream = new Dictionary<string, JsonElement?>(StringComparer.Ordinal);
        var omitted = new List<string>();
        var budget = StepContext.MaxUpstreamBytes;
        foreach (var id in step.DependsOn)
        {
            var output = rows.GetValueOrDefault(id)?.OutputJson;
            var size = output is null ? 0 : Encoding.UTF8.GetByteCount(output);
            if (size > budget)
            {
                omitted.Add(id);
                continue;
            }
            budget -= size;
            upstream[id] = output is null ? null : SchedulerJson.ParseStored(output);
        }
        return new StepContext(run.WorkflowId, run.WorkflowName, run.Id, step.Id, run.Attempt, run.LogicalDate, parameters, upstream,
            omitted.Count > 0 ? omitted : null, run.Interval);
    }
}
