using System.Diagnostics;
using System.Text.Json.Nodes;
using Scheduler.Testing;

namespace Scheduler.Cli.Tests;

/// <summary>
/// A real API process on its own database, and the CLI run as a real process against it (its own config file, so no test
/// touches the user's). One per test class: the classes run in parallel without sharing objects.
/// </summary>
public sealed class CliServer : IAsyncLifetime
{
    private HostProcess? _api;

    public Uri Address { get; private set; } = null!;

    public static string AdminKey => TestSettings.AdminKey;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>A fresh directory for the test: config file, YAML sources, git repositories.</summary>
    public static string TemporaryDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "scheduleman-cli-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        var port = Ports.Free();
        _api = HostProcess.Start("api", "Scheduler.Crud.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__Scheduler"] = connectionString,
            ["Logging__LogLevel__Default"] = "Warning",
        }, "--urls", $"http://127.0.0.1:{port}");
        Address = new Uri($"http://127.0.0.1:{port}");
        Http = new HttpClient { BaseAddress = Address };
        Http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        try
        {
            await HostProcess.WaitForHealthAsync(Address, "the API");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public string Tail() => _api?.Tail() ?? "";

    /// <summary>The source that manages the schedule of this name (null: made in the API or the UI).</summary>
    public async Task<string?> ManagedByAsync(string name) =>
        (string?)(await GetAsync($"/api/v1/schedules?name={name}"))["items"]!.AsArray().Single(s => (string?)s!["name"] == name)!["managedBy"];

    /// <summary>A CLI with a fresh config, logged in to this server with the admin key.</summary>
    public async Task<CliRunner> LoggedInAsync()
    {
        var cli = new CliRunner(TemporaryDirectory());
        var login = await cli.RunAsync("login", "--url", Address.ToString(), "--key", AdminKey);
        Assert.True(login.ExitCode == 0, login.ToString());
        return cli;
    }

    /// <summary>A YAML document of a manual schedule (nothing fires it) sending to Kafka.</summary>
    public static string ManualJob(string name) => $$"""
        apiVersion: scheduleman/v1
        kind: Schedule
        metadata:
          name: {{name}}
        spec:
          manual: true
          target: {type: kafka, topic: jobs}
        """;

    /// <summary>Reads an API path as JSON (with the admin key).</summary>
    public async Task<JsonNode> GetAsync(string path) => JsonNode.Parse(await Http.GetStringAsync(path))!;

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
    }
}

/// <summary>What one run of the CLI did.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";

    public JsonNode Json => JsonNode.Parse(Output)!;
}

/// <summary>The CLI as a process, from its own build folder, with a config file of its own and no inherited SCHEDULEMAN_ settings.</summary>
public sealed class CliRunner(string home)
{
    // From its own build folder (with its own dependencies), Debug or Release as this assembly was built.
    private static readonly string Dll = Path.Combine(PostgresServer.RepositoryRoot(), "Scheduler.Cli", "bin",
        AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0", "scheduleman.dll");

    public string ConfigFile { get; } = Path.Combine(home, "config", "scheduleman.json");

    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>What the next run reads on stdin (then nothing again).</summary>
    public string? Input { get; set; }

    public async Task<CliResult> RunInAsync(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("SCHEDULEMAN_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }
        info.Environment["SCHEDULEMAN_CONFIG"] = ConfigFile;
        info.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        if (Input is { } input)
        {
            await process.StandardInput.WriteAsync(input);
            Input = null;
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }

    public Task<CliResult> RunAsync(params string[] args) => RunInAsync(home, args);
}

/// <summary>A git repository of YAML, as a team keeps its schedules.</summary>
public sealed class GitSource(string root)
{
    public string Root { get; } = root;

    public static async Task<GitSource> CreateAsync(string parent, string name)
    {
        var root = Path.Combine(parent, name);
        Directory.CreateDirectory(root);
        var source = new GitSource(root);
        await source.GitAsync("init", "-q", "-b", "main");
        return source;
    }

    public string Write(string relativePath, string yaml)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Commits everything; returns the commit's hash.</summary>
    public async Task<string> CommitAsync(string message)
    {
        await GitAsync("add", "-A");
        await GitAsync("-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", message);
        return (await GitAsync("rev-parse", "HEAD")).Trim();
    }

    public async Task<string> GitAsync(params string[] args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)}: {error}");
        return output;
    }
}
