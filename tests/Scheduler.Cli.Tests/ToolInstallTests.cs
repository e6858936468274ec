using System.Diagnostics;
using Scheduler.Testing;

namespace Scheduler.Cli.Tests;

/// <summary>The README's install: packed from the repository and installed as a .NET tool, <c>scheduleman</c> runs.</summary>
public sealed class ToolInstallTests
{
    [Fact]
    public async Task The_cli_packs_and_installs_as_a_dotnet_tool()
    {
        var root = PostgresServer.RepositoryRoot();
        var work = CliServer.TemporaryDirectory();
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        // --no-build: packs the build the other tests run, rather than rebuilding it under them.
        await RunAsync(root, "dotnet", "pack", "Scheduler.Cli", "--no-build", "-c", configuration, "-o", Path.Combine(work, "packages"), "-nologo");
        await RunAsync(root, "dotnet", "tool", "install", "--tool-path", Path.Combine(work, "tools"), "--add-source", Path.Combine(work, "packages"), "Scheduleman.Cli");
        var version = await RunAsync(work, Path.Combine(work, "tools", "scheduleman"), "--version");
        Assert.StartsWith("1.0.0", version.Trim(), StringComparison.Ordinal);
    }

    private static async Task<string> RunAsync(string directory, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {process.ExitCode}\n{await output}\n{await error}");
        return await output;
    }
}
