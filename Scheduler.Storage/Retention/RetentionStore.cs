using Dapper;
using Npgsql;

namespace Scheduler.Storage.Retention;

/// <summary>How long finished history is kept.</summary>
/// <param name="Window">Finished executions (succeeded, skipped, cancelled) and finished workflow runs.</param>
/// <param name="DeadLetterWindow">Dead letters (longer: they wait for someone to look, and to redrive).</param>
/// <param name="BatchSize">At most this many executions of each kind per batch (runs: a tenth, each with its steps).</param>
public sealed record RetentionPolicy(TimeSpan Window, TimeSpan DeadLetterWindow, int BatchSize);

/// <summary>What one batch removed; <see cref="Busy"/> when another executor held the retention lock.</summary>
public sealed record RetentionBatch(bool Busy, long Executions, long DeadLetters, long Runs, long Steps)
{
    public long Total => Executions + DeadLetters + Steps;
}

/// <summary>Deletes finished history older than its window, in short batches (one transaction each) that never touch live work.</summary>
public sealed class RetentionStore(NpgsqlDataSource dataSource)
{
    public async Task<RetentionBatch> DeleteBatchAsync(DateTimeOffset now, RetentionPolicy policy, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(RetentionSql.Lock, transaction: transaction, cancellationToken: cancellationToken)))
        {
            return new RetentionBatch(Busy: true, 0, 0, 0, 0);
        }
        var parameters = new
        {
            Cutoff = now - policy.Window,
            DeadCutoff = now - policy.DeadLetterWindow,
            Batch = policy.BatchSize,
            RunBatch = Math.Max(1, policy.BatchSize / 10),
        };
        Task<long> Count(string sql) =>
            connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, parameters, transaction, commandTimeout: 120, cancellationToken: cancellationToken));
        var executions = await Count(RetentionSql.Finished);
        var dead = await Count(RetentionSql.DeadLetters);
        var (runs, steps) = await connection.QuerySingleAsync<(long Runs, long Steps)>(
            new CommandDefinition(RetentionSql.Runs, parameters, transaction, commandTimeout: 120, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new RetentionBatch(Busy: false, executions, dead, runs, steps);
    }
}
