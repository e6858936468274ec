using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
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
        services.AddSingleton<Migrator>();
        services.AddSingleton<ScheduleStore>();
        services.AddSingleton<ExecutionStore>();
        services.AddSingleton<HistoryStore>();
        services.AddSingleton<DueNotifications>();
        services.AddSingleton<Statistics.StatisticsStore>();
        // Readiness: the database answers and its schema is current. Hosts map it at /readyz.
        services.AddHealthChecks().AddCheck<SchemaHealthCheck>("database", tags: ["ready"]);
        return services;
    }
}
