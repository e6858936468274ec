using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Storage.Migrations;

namespace Scheduler.Storage;

/// <summary><c>dotnet Scheduler.Storage.dll migrate</c>: applies the schema migrations, then exits.</summary>
internal static class MigrateProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["migrate", ..])
        {
            await Console.Error.WriteLineAsync("usage: Scheduler.Storage migrate   (connection string: ConnectionStrings__Scheduler)");
            return 2;
        }
        var builder = Host.CreateApplicationBuilder(args[1..]);
        builder.Services.AddSchedulerStorage();
        using var host = builder.Build();
        var migrator = host.Services.GetRequiredService<Migrator>();
        var applied = await migrator.MigrateAsync();
        host.Services.GetRequiredService<ILogger<Migrator>>().LogInformation(
            "Migrations done: {Count} applied, schema at version {Version}", applied.Count, Migrator.LatestVersion);
        return 0;
    }
}
