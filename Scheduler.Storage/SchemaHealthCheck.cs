using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Scheduler.Storage.Migrations;

namespace Scheduler.Storage;

/// <summary>Ready = the database answers and its schema is at the version this build expects.</summary>
public sealed class SchemaHealthCheck(Migrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var version = await migrator.CurrentVersionAsync(timeout.Token);
            return version == Migrator.LatestVersion
                ? HealthCheckResult.Healthy($"schema version {version}")
                : HealthCheckResult.Unhealthy($"schema version {version}, this build needs {Migrator.LatestVersion}: run 'migrate'");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("the database does not answer", e);
        }
    }
}
