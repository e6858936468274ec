using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scheduler.Common.Security;
using Scheduler.Storage.Access;
using Scheduler.Storage.Migrations;
using Scheduler.Storage.Secrets;

namespace Scheduler.Storage;

/// <summary>
/// <c>dotnet Scheduler.Storage.dll migrate</c> applies the schema migrations and, with <c>Secrets:Key</c>, re-encrypts stored
/// secrets into the current format (<see cref="SecretReencryption"/>);
/// <c>create-api-key --tenant T --name N --scope admin</c> prints a new key (the first key of a tenant comes from here).
/// The connection string is <c>ConnectionStrings__Scheduler</c>.
/// </summary>
internal static class StorageProgram
{
    public static async Task<int> Main(string[] args)
    {
        var migrate = new Command("migrate", "Apply the schema migrations and re-encrypt stored secrets into the current format, then exit");
        migrate.SetAction(async (_, cancellationToken) =>
        {
            using var host = BuildHost();
            var migrator = host.Services.GetRequiredService<Migrator>();
            var applied = await migrator.MigrateAsync(cancellationToken);
            var logger = host.Services.GetRequiredService<ILogger<Migrator>>();
            logger.LogInformation("Migrations done: {Count} applied, schema at version {Version}", applied.Count, Migrator.LatestVersion);
            if (string.IsNullOrWhiteSpace(host.Services.GetRequiredService<IOptions<SecretOptions>>().Value.Key))
            {
                logger.LogWarning("Secrets:Key is not set, so stored secrets were not re-encrypted into the format bound to their owner (enc:v2): " +
                    "deliveries that use one stored in the v1 format fail until migrate runs with Secrets:Key");
                return 0;
            }
            var result = await host.Services.GetRequiredService<SecretReencryption>().RunAsync(cancellationToken);
            if (result.Skipped)
            {
                logger.LogInformation("Stored secrets: all current under the active key (found by an earlier run)");
            }
            else
            {
                logger.Log(result.Unreadable == 0 ? LogLevel.Information : LogLevel.Warning,
                    "Stored secrets: {Rewritten} re-encrypted, {Unreadable} left as they were (decrypt with no configured key: see the warnings above)",
                    result.Rewritten, result.Unreadable);
            }
            return 0;
        });

        var tenant = new Option<string>("--tenant") { Description = "The tenant the key belongs to (created by its first key)", DefaultValueFactory = _ => "default" };
        var name = new Option<string>("--name") { Description = "What the key is for, shown in listings", DefaultValueFactory = _ => "bootstrap" };
        var scope = new Option<string>("--scope") { Description = "read, write or admin (each includes the ones before it)", DefaultValueFactory = _ => "admin" };
        scope.AcceptOnlyFromAmong(ApiKeyStore.Scopes);
        var createKey = new Command("create-api-key", "Create an API key and print it (it is shown only this once)") { tenant, name, scope };
        createKey.SetAction(async (parsed, cancellationToken) =>
        {
            using var host = BuildHost();
            var created = await host.Services.GetRequiredService<ApiKeyStore>()
                .CreateAsync(parsed.GetValue(tenant)!, parsed.GetValue(name)!, parsed.GetValue(scope)!, cancellationToken);
            // The key alone on stdout, so scripts can capture it; the rest goes to stderr.
            await Console.Error.WriteLineAsync($"Created {created.Record.Scope} key '{created.Record.Name}' ({created.Record.Id}) for tenant '{created.Record.Tenant}':");
            Console.WriteLine(created.Key);
            return 0;
        });

        var root = new RootCommand("Scheduleman storage: schema migrations and API keys") { migrate, createKey };
        return await root.Parse(args).InvokeAsync();
    }

    private static IHost BuildHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSchedulerStorage();
        return builder.Build();
    }
}
