using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Scheduler.Common.Security;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Migrations;
using Scheduler.Storage.Schedules;

namespace Scheduler.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>The name of the connection string (<c>ConnectionStrings__Scheduler</c> in the environment).</summary>
    public const string ConnectionStringName = "Scheduler";

    /// <summary>Registers the process's one <see cref="NpgsqlDataSource"/> and the stores.</summary>
    public static IServiceCollection AddSchedulerStorage(this IServiceCollection services)
    {
        // Read when first needed, so that hosts and tests can still change configuration after registration.
        services.AddSingleton(sp =>
        {
            var connectionString = sp.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException(
                    $"Set the connection string '{ConnectionStringName}' (environment variable ConnectionStrings__{ConnectionStringName}), " +
                    "e.g. 'Host=localhost;Port=5432;Username=postgres;Database=scheduleman'.");
            }
            return NpgsqlDataSource.Create(connectionString);
        });
        services.AddOptions<SecretOptions>().BindConfiguration(SecretOptions.Section);
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SecretOptions>>().Value;
            if (string.IsNullOrWhiteSpace(options.Key))
            {
                throw new InvalidOperationException(
                    "Set Secrets:Key (environment variable Secrets__Key) to base64 of 32 random bytes, e.g. the output of `openssl rand -base64 32`. " +
                    "It encrypts webhook secrets at rest; the API and every executor need the same key.");
            }
            return new SecretBox(options.Key, options.PreviousKeys);
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Migrator>();
        services.AddSingleton<Access.ApiKeyStore>();
        services.AddSingleton<Access.DataProtectionKeyStore>();
        services.AddSingleton<ScheduleStore>();
        services.AddSingleton<Calendars.CalendarStore>();
        services.AddSingleton<Outages.OutageStore>();
        services.AddSingleton<ExecutionStore>();
        services.AddSingleton<HistoryStore>();
        services.AddSingleton<Results.ResultStore>();
        services.AddSingleton<Workflows.WorkflowStore>();
        services.AddSingleton<Workflows.RunStore>();
        services.AddSingleton<Backfills.BackfillStore>();
        services.AddSingleton<Secrets.SecretStore>();
        services.AddSingleton<Secrets.SecretReencryption>();
        services.AddSingleton<Audit.AuditStore>();
        services.AddSingleton<Common.Results.ReportToken>();
        services.AddSingleton<DueNotifications>();
        services.AddSingleton<Statistics.StatisticsStore>();
        services.AddSingleton<Retention.RetentionStore>();
        // Readiness: the database answers and its schema is current. Hosts map it at /readyz.
        services.AddHealthChecks().AddCheck<SchemaHealthCheck>("database", tags: ["ready"]);
        return services;
    }
}
