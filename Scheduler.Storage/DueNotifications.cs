using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Scheduler.Storage;

/// <summary>
/// Wakes sleeping executors when the API creates work that is due soon (a new schedule, a resume, a manual
/// trigger, a redrive), so it need not wait for the next poll: only a hint, polling alone is still correct. And tells
/// them which executions they hold were recalled (an outage or a calendar edit skipped them after they were claimed
/// ahead), so that they drop them instead of delivering them.
/// </summary>
public sealed class DueNotifications(NpgsqlDataSource dataSource, IOptions<StorageOptions> options, ILogger<DueNotifications> logger)
{
    public const string Channel = "scheduleman_due";

    /// <summary>The payload is execution ids, comma-separated.</summary>
    public const string RecalledChannel = "scheduleman_recalled";

    // A NOTIFY payload is below 8,000 bytes: 200 ids of 36 characters and a comma are 7,400.
    private const int IdsPerNotification = 200;

    /// <summary>Tells every executor that <paramref name="ids"/> were recalled (inside the caller's transaction: sent on commit).</summary>
    internal static async Task NotifyRecalledAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<Guid> ids,
        CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }
        var payloads = ids.Chunk(IdsPerNotification).Select(c => string.Join(',', c)).ToArray();
        await connection.ExecuteAsync(new CommandDefinition($"select pg_notify('{RecalledChannel}', p) from unnest(@Payloads::text[]) p",
            new { Payloads = payloads }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Work due further ahead than this is found by an ordinary poll.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromSeconds(30);

    /// <summary>Sends the hint when <paramref name="dueAt"/> is near (inside the caller's transaction, it is sent on commit).</summary>
    internal static async Task NotifyIfSoonAsync(NpgsqlConnection connection, DateTimeOffset? dueAt, DateTimeOffset now, CancellationToken cancellationToken,
        NpgsqlTransaction? transaction = null)
    {
        if (dueAt is { } due && due <= now + Horizon)
        {
            await connection.ExecuteAsync(new CommandDefinition($"select pg_notify('{Channel}', '')", transaction: transaction, cancellationToken: cancellationToken));
        }
    }

    /// <summary>
    /// Calls <paramref name="onNotified"/> for every hint and <paramref name="onRecalled"/> with the ids of every recall, until
    /// cancelled; reconnects after errors.
    /// </summary>
    public async Task ListenAsync(Action onNotified, Action<IReadOnlyList<Guid>> onRecalled, CancellationToken cancellationToken)
    {
        if (!options.Value.ListenForWakeUps)
        {
            logger.LogInformation("Storage:ListenForWakeUps is off (a transaction pooler in front of PostgreSQL): new work is found by polling alone");
            return;
        }
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == RecalledChannel)
                    {
                        onRecalled(e.Payload.Split(',').Select(id => Guid.TryParse(id, out var parsed) ? parsed : Guid.Empty).Where(id => id != Guid.Empty).ToList());
                    }
                    else
                    {
                        onNotified();
                    }
                };
                await connection.ExecuteAsync($"listen {Channel}; listen {RecalledChannel}");
                // Anything may have been created while we were not listening.
                onNotified();
                failures = 0;
                while (true)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                failures++;
                logger.LogWarning(e, "Listening for due-work hints failed ({Failures} in a row); polling continues meanwhile", failures);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, failures))), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
