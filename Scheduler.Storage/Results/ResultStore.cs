using Dapper;
using Npgsql;
using Scheduler.Common.Results;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Workflows;
using Scheduler.Storage.Audit;

namespace Scheduler.Storage.Results;

/// <summary>What a report did.</summary>
public enum ReportOutcome
{
    /// <summary>Recorded; the run moved on (or a heartbeat kept it alive).</summary>
    Accepted,

    /// <summary>The same final report again: nothing changed.</summary>
    Duplicate,

    /// <summary>The attempt had already ended (or is not the current one); the report is kept with it, nothing changed.</summary>
    Late,

    /// <summary>The execution's schedule does not track results.</summary>
    NotTracked,

    NotFound,
}

public sealed record ReportResult(ReportOutcome Outcome, ExecutionRecord? Execution, string? CurrentStatus = null, int CurrentAttempt = 0);

/// <summary>What a cancel did: the execution as it is now, or why nothing changed.</summary>
public sealed record CancelResult(ExecutionRecord? Execution, string? FinishedAs);

/// <summary>The API's side of result tracking: workers' reports and cancel requests. (Timeouts are the executors' claim.)</summary>
public sealed class ResultStore(NpgsqlDataSource dataSource)
{
    private static readonly HashSet<string> Ended = ["succeeded", "dead", "skipped", "cancelled", "pending", "waiting", "failed"];

    /// <summary>Applies a worker's report on <paramref name="attempt"/> of execution <paramref name="id"/> (the token was checked by the caller).</summary>
    public async Task<ReportResult> ReportAsync(Guid id, int attempt, RunReport report, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<LockedExecution>(new CommandDefinition(ResultSql.LockForReport,
            new { Id = id, Attempt = attempt, Tenant = (string?)null }, transaction, cancellationToken: cancellationToken));
        if (row is null)
        {
            return new ReportResult(ReportOutcome.NotFound, null);
        }
        if (row.CompletionJson is null)
        {
            return new ReportResult(ReportOutcome.NotTracked, null, row.Status, row.Attempt);
        }
        var reported = report.Status.ToString().ToLowerInvariant();
        if (attempt != row.Attempt || Ended.Contains(row.Status))
        {
            // Said twice: one outcome. Said after the end (a timeout, a retry, another attempt): kept, changes nothing.
            if (attempt == row.Attempt && report.Status != RunStatus.Running && row.AttemptRunStatus == reported)
            {
                return new ReportResult(ReportOutcome.Duplicate, await GetAsync(connection, transaction, id, cancellationToken), row.Status, row.Attempt);
            }
            await connection.ExecuteAsync(new CommandDefinition(ResultSql.RecordLateReport, new
            {
                Id = id,
                Attempt = attempt,
                LateReport = $"{reported} reported at {now:O}" + (report.Error is { } error ? $": {error}" : ""),
            }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return new ReportResult(ReportOutcome.Late, null, row.Status, row.Attempt);
        }

        var cancelling = row.Status == "cancelling" || row.CancelRequestedAt is not null;
        var status = report.Status switch
        {
            RunStatus.Running => cancelling ? "cancelling" : "running",
            RunStatus.Succeeded => "succeeded",
            // A run asked to stop that then fails has stopped: it is not retried.
            RunStatus.Failed => cancelling ? "cancelled" : "failed",
            _ => "cancelled",
        };
        var terminal = status is "succeeded" or "cancelled";
        var execution = await connection.QuerySingleAsync<ExecutionRecord>(new CommandDefinition(ResultSql.ApplyReport, new
        {
            Id = id,
            Attempt = attempt,
            Now = now,
            Status = status,
            ReportStatus = reported,
            RunStatus = report.Status == RunStatus.Failed && cancelling ? "cancelled" : reported,
            Terminal = terminal || status == "failed",
            report.Progress,
            report.Message,
            Output = report.OutputJson,
            report.Error,
            report.CodeVersion,
            report.LogsUrl,
            row.LeaseOwner,
        }, transaction, cancellationToken: cancellationToken));
        await WakeForBufferedAsync(connection, transaction, row, terminal, now, cancellationToken);
        if (terminal)
        {
            // A step that ended: the steps it unblocks are created with this report, in this transaction (a backfill's next run too).
            await EndedWork.MoveOnAsync(connection, transaction, [new EndedWork(execution.WorkflowRunId, execution.BackfillId)], now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new ReportResult(ReportOutcome.Accepted, execution, execution.Status, execution.Attempt);
    }

    /// <summary>What a cancel makes of an execution in <paramref name="status"/>; null when it cannot be cancelled (it has finished).</summary>
    public static string? StatusAfterCancel(string status, bool tracksResult) => status switch
    {
        "pending" or "waiting" or "failed" => "cancelled",
        // A tracked run being delivered: the delivery's outcome reads cancel_requested_at. An untracked execution ends with
        // this very delivery (within its timeout): there is nothing left to cancel.
        "delivering" when tracksResult => "delivering",
        "delivered" or "running" or "cancelling" => "cancelling",
        _ => null,
    };

    /// <summary>Cancels an unfinished execution of <paramref name="tenant"/>; null when there is none with that id.</summary>
    public async Task<CancelResult?> CancelAsync(string tenant, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<LockedExecution>(new CommandDefinition(ResultSql.LockForReport,
            new { Id = id, Attempt = 0, Tenant = tenant }, transaction, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }
        var status = StatusAfterCancel(row.Status, tracksResult: row.CompletionJson is not null);
        if (status is null)
        {
            return new CancelResult(null, row.Status);
        }
        await connection.ExecuteAsync(new CommandDefinition(ResultSql.Cancel, new { Id = id, Now = now, Status = status }, transaction,
            cancellationToken: cancellationToken));
        var execution = await GetAsync(connection, transaction, id, cancellationToken);
        await WakeForBufferedAsync(connection, transaction, row, status == "cancelled", now, cancellationToken);
        if (status == "cancelled")
        {
            await EndedWork.MoveOnAsync(connection, transaction, [new EndedWork(execution.WorkflowRunId, execution.BackfillId)], now, cancellationToken);
        }
        await AuditLog.AppendAsync(connection, transaction, "execution", "cancel", id, execution.ScheduleName, null, execution, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CancelResult(execution, null);
    }

    // A run that ends may have released the occurrence its overlap policy buffered: wake the executors for it (on commit).
    private static Task WakeForBufferedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LockedExecution row, bool ended, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        ended && Completion.FromJson(row.CompletionJson) is { Overlap: OverlapPolicy.BufferOne }
            ? DueNotifications.NotifyIfSoonAsync(connection, now, now, cancellationToken, transaction)
            : Task.CompletedTask;

    private static Task<ExecutionRecord> GetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<ExecutionRecord>(new CommandDefinition(ResultSql.Get, new { Id = id }, transaction, cancellationToken: cancellationToken));

    private sealed class LockedExecution
    {
        public Guid Id { get; init; }
        public string Tenant { get; init; } = "";
        public Guid ScheduleId { get; init; }
        public string Status { get; init; } = "";
        public int Attempt { get; init; }
        public string? CompletionJson { get; init; }
        public DateTimeOffset? DeliveredAt { get; init; }
        public DateTimeOffset? CancelRequestedAt { get; init; }
        public string? LeaseOwner { get; init; }
        public string? AttemptRunStatus { get; init; }
    }
}
