using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Scheduler.Storage;

/// <summary>
/// Wakes sleeping executors when the API creates work that is due soon (a new schedule, a resume, a manual
/// trigger, a redrive), so it need not wait for the next poll. Only a hint: polling alone is still correct.
/// </summary>
public sealed class DueNotifications(NpgsqlDataSource dataSource, IOptions<StorageOptions> options, ILogger<DueNotifications> logger)
{
    public const string Channel = "scheduleman_due";

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

    /// <summary>Calls <paramref name="onNotified"/> for every hint until cancelled; reconnects after errors.</summary>
    public async Task ListenAsync(Action onNotified, CancellationToken cancellationToken)
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
                connection.Notification += (_, _) => onNotified();
                await connection.ExecuteAsync($"listen {Channel}");
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
