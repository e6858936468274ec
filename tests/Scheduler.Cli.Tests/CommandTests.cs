using System.Text.Json.Nodes;
using Scheduler.Cli.Output;
using Scheduler.Testing;
using YamlDotNet.RepresentationModel;

namespace Scheduler.Cli.Tests;

/// <summary>The imperative commands against a real API: contexts, get and describe by name, trigger, executions, pause, backfill, output formats, completion.</summary>
public sealed class CommandTests(CliServer server) : IClassFixture<CliServer>
{
    private static string Job(string name) => $$"""
        apiVersion: scheduleman/v1
        kind: Schedule
        metadata:
          name: {{name}}
        spec:
          cron: "0 0 2 * * *"
          timeZone: Europe/London
          target: {type: kafka, topic: jobs}
        """;

    private static async Task<CliRunner> LoggedInAsync(CliServer server)
    {
        var cli = new CliRunner(CliServer.TemporaryDirectory());
        var login = await cli.RunAsync("login", "--url", server.Address.ToString(), "--key", CliServer.AdminKey, "--name", "local");
        Assert.True(login.ExitCode == 0, login.ToString());
        return cli;
    }

    private static async Task<string> SourceAsync(CliRunner cli, string name)
    {
        var file = Path.Combine(CliServer.TemporaryDirectory(), name + ".yaml");
        await File.WriteAllTextAsync(file, Job(name));
        var created = await cli.RunAsync("create", "-f", file);
        Assert.True(created.ExitCode == 0, created.ToString());
        return file;
    }

    [Fact]
    public async Task Login_keeps_a_named_context_that_environment_variables_and_context_override()
    {
        var cli = new CliRunner(CliServer.TemporaryDirectory());
        var wrong = await cli.RunAsync("login", "--url", server.Address.ToString(), "--key", "smk_wrong");
        Assert.True(wrong.ExitCode == ExitCodes.Denied, wrong.ToString());
        Assert.False(File.Exists(cli.ConfigFile), "a key that does not work is not stored");

        Assert.Equal(0, (await cli.RunAsync("login", "--url", server.Address.ToString(), "--key", CliServer.AdminKey, "--name", "local")).ExitCode);
        Assert.DoesNotContain(CliServer.AdminKey, (await cli.RunAsync("context", "list", "-o", "json")).Output, StringComparison.Ordinal);
        var contexts = (await cli.RunAsync("context", "list", "-o", "json")).Json.AsArray();
        Assert.Equal("local", (string)Assert.Single(contexts)!["name"]!);
        Assert.True((bool)contexts[0]!["current"]!);
        Assert.Equal(0, (await cli.RunAsync("get", "schedules")).ExitCode);

        // A context that does not exist, chosen by flag or environment, is a usage error — not a silent fallback.
        Assert.Equal(ExitCodes.Usage, (await cli.RunAsync("get", "schedules", "--context", "prod")).ExitCode);
        cli.Environment["SCHEDULEMAN_CONTEXT"] = "prod";
        Assert.Equal(ExitCodes.Usage, (await cli.RunAsync("get", "schedules")).ExitCode);
        cli.Environment.Remove("SCHEDULEMAN_CONTEXT");

        // SCHEDULEMAN_API_KEY beats the stored key (CI), so a wrong one there is what is used.
        cli.Environment["SCHEDULEMAN_API_KEY"] = "smk_wrong";
        Assert.Equal(ExitCodes.Denied, (await cli.RunAsync("get", "schedules")).ExitCode);
        cli.Environment.Remove("SCHEDULEMAN_API_KEY");

        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("context", "use", "prod")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("context", "delete", "local")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.RunAsync("get", "schedules")).ExitCode);
    }

    [Fact]
    public async Task Get_and_describe_by_name_in_every_format()
    {
        var cli = await LoggedInAsync(server);
        await SourceAsync(cli, "nightly-load");

        var table = await cli.RunAsync("get", "schedules");
        Assert.Matches(@"nightly-load\s+cron\s+0 0 2 \* \* \*\s+active", table.Output);
        var json = (await cli.RunAsync("get", "schedule", "nightly-load", "-o", "json")).Json;
        Assert.Equal("Europe/London", (string)json["timeZone"]!);
        var yaml = (await cli.RunAsync("get", "schedule", "nightly-load", "-o", "yaml")).Output;
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        Assert.True(JsonNode.DeepEquals(json, YamlJson.ToJson(stream.Documents[0].RootNode, [])), yaml);

        var described = (await cli.RunAsync("describe", "schedule", "nightly-load", "-o", "json")).Json;
        Assert.Equal((string)json["id"]!, (string)described["schedule"]!["id"]!);
        Assert.Equal(5, described["next"]!["fireTimes"]!.AsArray().Count);
        Assert.Empty(described["recentExecutions"]!.AsArray());
        var text = await cli.RunAsync("describe", "schedule", (string)json["id"]!);
        Assert.Contains("Next fire times (at 02:00, Europe/London", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_then_list_its_executions_pause_resume_and_plan_a_backfill()
    {
        var cli = await LoggedInAsync(server);
        await SourceAsync(cli, "on-demand-load");

        var triggered = await cli.RunAsync("trigger", "schedule", "on-demand-load", "--param", "region=eu", "-o", "json");
        Assert.True(triggered.ExitCode == 0, triggered.ToString());
        Assert.Equal("manual", (string)triggered.Json["origin"]!);
        var executions = (await cli.RunAsync("executions", "--schedule", "on-demand-load", "-o", "json")).Json.AsArray();
        Assert.Equal((string)triggered.Json["id"]!, (string)Assert.Single(executions)!["id"]!);
        Assert.Empty((await cli.RunAsync("executions", "--schedule", "on-demand-load", "--status", "dead", "-o", "json")).Json.AsArray());

        Assert.Equal("paused", (string)(await cli.RunAsync("pause", "schedule", "on-demand-load", "-o", "json")).Json["state"]!);
        Assert.Equal("active", (string)(await cli.RunAsync("resume", "schedule", "on-demand-load", "-o", "json")).Json["state"]!);

        var plan = await cli.RunAsync("backfill", "schedule", "on-demand-load", "--start", "2026-11-01T00:00:00Z", "--end", "2026-11-08T00:00:00Z", "--dry-run", "-o", "json");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Equal(7, (int)plan.Json["toRun"]!);

        var audit = (await cli.RunAsync("audit", "--kind", "schedule", "--name", "on-demand-load", "-o", "json")).Json.AsArray();
        Assert.Equal(["resume", "pause", "create"], audit.Select(a => (string)a!["action"]!));
        Assert.All(audit, a => Assert.Equal("cli", (string)a!["source"]!));

        Assert.Equal(0, (await cli.RunAsync("delete", "schedule", "on-demand-load")).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("get", "schedule", "on-demand-load")).ExitCode);
    }

    [Fact]
    public async Task Backfill_wait_ends_when_the_backfill_completes_or_is_cancelled_with_its_outcome_as_exit_code()
    {
        var cli = await LoggedInAsync(server);
        await SourceAsync(cli, "waited-load");

        // With no executor a backfill runs until cancelled: this one covers the week, so that the next has nothing left to run.
        const string Start = "2026-11-01T00:00:00Z", End = "2026-11-08T00:00:00Z";
        var first = await cli.RunAsync("backfill", "schedule", "waited-load", "--start", Start, "--end", End, "-o", "json");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("running", (string)first.Json["status"]!);

        // Every interval covered: completed as it is made (the wait once looked for "succeeded", which a backfill never is, and spun forever).
        var covered = await cli.RunAsync("backfill", "schedule", "waited-load", "--start", Start, "--end", End, "--wait", "-o", "json");
        Assert.True(covered.ExitCode == 0, covered.ToString());
        Assert.Equal(("completed", 7), ((string)covered.Json["status"]!, (int)covered.Json["progress"]!["covered"]!));

        // Run again regardless, waited for, and cancelled meanwhile: the wait ends, with exit 1.
        var waiting = cli.RunAsync("backfill", "schedule", "waited-load", "--start", Start, "--end", End, "--rerun", "--wait", "-o", "json");
        string? id = null;
        await WaitFor.ConditionAsync(async () =>
        {
            id = (await server.GetAsync("/api/v1/backfills?status=running"))["items"]!.AsArray().Select(b => (string?)b!["id"])
                .FirstOrDefault(b => b != (string)first.Json["id"]!);
            return id is not null || waiting.IsCompleted;
        }, TimeSpan.FromSeconds(60), "the second backfill to be made");
        if (waiting.IsCompleted)
        {
            Assert.Fail("the wait ended before the cancel: " + await waiting);
        }
        (await server.Http.PostAsync($"/api/v1/backfills/{id}/cancel", null)).EnsureSuccessStatusCode();
        var cancelled = await waiting;
        Assert.True(cancelled.ExitCode == ExitCodes.Error, cancelled.ToString());
        Assert.Equal("cancelled", (string)cancelled.Json["status"]!);
    }

    [Fact]
    public async Task Secrets_are_set_from_stdin_and_never_printed_and_api_keys_are_shown_once()
    {
        var cli = await LoggedInAsync(server);
        cli.Input = "tok-first\n";
        var created = await cli.RunAsync("secret", "set", "vendor_token", "--description", "the vendor's API token", "-o", "json");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal("***", (string)created.Json["value"]!);
        cli.Input = "tok-second\n";
        var rotated = await cli.RunAsync("secret", "set", "vendor_token", "-o", "json");
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        Assert.Equal(2, (int)rotated.Json["version"]!);
        Assert.Contains("Rotated secret vendor_token", rotated.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await cli.RunAsync("secret", "set", "vendor_token")).ExitCode);
        var listed = await cli.RunAsync("get", "secrets", "-o", "json");
        Assert.DoesNotContain("tok-", listed.Output + (await cli.RunAsync("audit", "-o", "json")).Output, StringComparison.Ordinal);

        var key = await cli.RunAsync("api-key", "create", "--name", "ci-deployer", "--scope", "write");
        Assert.True(key.ExitCode == 0, key.ToString());
        var secret = key.Output.Trim();
        Assert.StartsWith("smk_", secret, StringComparison.Ordinal);
        var deployer = new CliRunner(CliServer.TemporaryDirectory());
        deployer.Environment["SCHEDULEMAN_URL"] = server.Address.ToString();
        deployer.Environment["SCHEDULEMAN_API_KEY"] = secret;
        Assert.Equal(0, (await deployer.RunAsync("get", "schedules")).ExitCode);
        Assert.Equal(ExitCodes.Denied, (await deployer.RunAsync("get", "api-keys")).ExitCode);
        var id = (string)(await cli.RunAsync("get", "api-keys", "-o", "json")).Json.AsArray().Single(k => (string)k!["name"]! == "ci-deployer")!["id"]!;
        Assert.Equal(0, (await cli.RunAsync("delete", "api-key", id)).ExitCode);
    }

    [Fact]
    public async Task Every_kind_lists_as_a_table_and_as_json()
    {
        var cli = await LoggedInAsync(server);
        await SourceAsync(cli, "listed-job");
        foreach (var kind in Resources.ResourceKind.All)
        {
            var table = await cli.RunAsync("get", kind.Aliases[0]);
            Assert.True(table.ExitCode == 0, $"{kind.Name}: {table}");
            var json = await cli.RunAsync("get", kind.Aliases[0], "-o", "json");
            Assert.True(json.ExitCode == 0, $"{kind.Name}: {json}");
            Assert.IsType<JsonArray>(json.Json);
        }
    }

    [Fact]
    public async Task Shell_completion_asks_the_cli_what_comes_next()
    {
        var cli = new CliRunner(CliServer.TemporaryDirectory());
        var script = await cli.RunAsync("completion", "bash");
        Assert.Contains("complete -o default -F _scheduleman_complete scheduleman", script.Output, StringComparison.Ordinal);
        var kinds = await cli.RunAsync("[suggest:16]", "scheduleman get ");
        Assert.Contains("schedule", kinds.Output.Split('\n'));
        Assert.Contains("workflow", kinds.Output.Split('\n'));
        var commands = await cli.RunAsync("[suggest:15]", "scheduleman app");
        Assert.Equal(["apply"], commands.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
