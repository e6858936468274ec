using System.Text.Json.Nodes;

namespace Scheduler.Cli.Tests;

/// <summary>What a newcomer met in the first hour (issue 32): resume a run, a date for trigger, stats as tables, output for logs, a refused CI key, completion of names, a calendar's diff.</summary>
public sealed class FirstHourTests(CliServer server) : IClassFixture<CliServer>
{
    private static async Task ApplyAsync(CliRunner cli, string name, string yaml)
    {
        var file = Path.Combine(CliServer.TemporaryDirectory(), name + ".yaml");
        await File.WriteAllTextAsync(file, yaml);
        var applied = await cli.RunAsync("apply", "-f", file, "--source", "first-hour");
        Assert.True(applied.ExitCode == 0, applied.ToString());
    }

    [Fact]
    public async Task Resume_carries_on_a_stopped_workflow_run_and_trigger_takes_a_date_as_backfill_does()
    {
        var cli = await server.LoggedInAsync();
        await ApplyAsync(cli, "wf", """
            apiVersion: scheduleman/v1
            kind: Workflow
            metadata:
              name: resumed-flow
            spec:
              steps:
                - id: only
                  target: {type: kafka, topic: steps}
            ---
            apiVersion: scheduleman/v1
            kind: Schedule
            metadata:
              name: dated-job
            spec:
              cron: "0 0 2 * * *"
              timeZone: Europe/London
              target: {type: kafka, topic: jobs}
            """);

        // No executor runs its step: cancelled, it stops with the step not run, and resume starts a new attempt of it.
        var run = await cli.RunAsync("trigger", "workflow", "resumed-flow", "-o", "json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var id = (string)run.Json["id"]!;
        Assert.Equal(0, (await cli.RunAsync("cancel", "run", id)).ExitCode);
        await Scheduler.Testing.WaitFor.ConditionAsync(async () => (string?)(await server.GetAsync($"/api/v1/workflow-runs/{id}"))["status"] == "cancelled",
            TimeSpan.FromSeconds(30), "the run to be cancelled");
        var resumed = await cli.RunAsync("resume", "run", id, "-o", "json");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(id, (string)resumed.Json["id"]!);
        Assert.True((string)resumed.Json["status"]! is "queued" or "running", resumed.ToString());
        var help = await cli.RunAsync("rerun", "--help");
        Assert.Contains("scheduleman resume run ID", help.Output, StringComparison.Ordinal);

        // A date, as backfill --start takes it: midnight in the job's zone; the run is the occurrence before it (02:00 London, GMT).
        var dated = await cli.RunAsync("trigger", "schedule", "dated-job", "--logical-date", "2026-11-01", "-o", "json");
        Assert.True(dated.ExitCode == 0, dated.ToString());
        Assert.Equal(DateTimeOffset.Parse("2026-10-31T02:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse((string)dated.Json["logicalDate"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Stats_print_tables_no_table_line_ends_in_a_space_and_a_long_error_is_one_line_in_a_log()
    {
        var cli = await server.LoggedInAsync();
        var stats = await cli.RunAsync("stats", "--window", "24h");
        Assert.True(stats.ExitCode == 0, stats.ToString());
        Assert.StartsWith("Window 24h, since ", stats.Output, StringComparison.Ordinal);
        Assert.Contains("totals:", stats.Output.Split('\n'));
        Assert.Contains("schedules:", stats.Output.Split('\n'));
        Assert.DoesNotContain("window: ", stats.Output, StringComparison.Ordinal); // not YAML
        Assert.True((await cli.RunAsync("stats", "-o", "json")).Json["totals"] is JsonObject);

        var table = await cli.RunAsync("get", "schedules");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("NAME", table.Output, StringComparison.Ordinal);
        Assert.All(stats.Output.Split('\n').Concat(table.Output.Split('\n')), line => Assert.Equal(line.TrimEnd(), line));

        // stderr is a pipe here: an error of some 400 characters stays one line (it was cut at 240).
        var longName = new string('x', 300);
        var missing = await cli.RunAsync("get", "schedules", "--context", longName);
        Assert.True(missing.ExitCode == ExitCodes.Usage, missing.ToString());
        Assert.Contains(missing.Error.Split('\n'), line => line.StartsWith("error: there is no context named", StringComparison.Ordinal) && line.EndsWith("adds one", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_from_the_environment_that_is_refused_is_named_as_such()
    {
        var ci = new CliRunner(CliServer.TemporaryDirectory());
        ci.Environment["SCHEDULEMAN_URL"] = server.Address.ToString();
        ci.Environment["SCHEDULEMAN_API_KEY"] = "smk_not_a_key";
        var refused = await ci.RunAsync("get", "schedules");
        Assert.True(refused.ExitCode == ExitCodes.Denied, refused.ToString());
        Assert.Contains("the key from SCHEDULEMAN_API_KEY was refused", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("scheduleman login", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("smk_not_a_key", refused.Error, StringComparison.Ordinal);

        var stored = new CliRunner(CliServer.TemporaryDirectory());
        stored.Environment["SCHEDULEMAN_URL"] = server.Address.ToString();
        var none = await stored.RunAsync("get", "schedules");
        Assert.True(none.ExitCode == ExitCodes.Denied, none.ToString());
        Assert.Contains("run 'scheduleman login' again", none.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_offers_the_servers_names_where_a_name_goes_and_kinds_only_where_a_kind_goes()
    {
        var cli = await server.LoggedInAsync();
        await ApplyAsync(cli, "completed", CliServer.ManualJob("completion-job"));
        var line = "scheduleman describe schedule ";
        var names = (await cli.RunAsync($"[suggest:{line.Length}]", line)).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("completion-job", names);
        Assert.DoesNotContain("schedule", names);
        Assert.DoesNotContain("workflow", names);
        line = "scheduleman trigger schedule compl";
        Assert.Equal(["completion-job"], (await cli.RunAsync($"[suggest:{line.Length}]", line)).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        line = "scheduleman get sch";
        Assert.Contains("schedule", (await cli.RunAsync($"[suggest:{line.Length}]", line)).Output.Split('\n'));
    }

    [Fact]
    public async Task A_calendars_new_holiday_shows_in_the_diff_as_a_line_of_its_own()
    {
        var cli = await server.LoggedInAsync();
        const string Calendar = """
            apiVersion: scheduleman/v1
            kind: Calendar
            metadata:
              name: office
            spec:
              holidays:
                - {date: "2026-12-25", name: Christmas Day}
            """;
        await ApplyAsync(cli, "office", Calendar);
        var file = Path.Combine(CliServer.TemporaryDirectory(), "office.yaml");
        await File.WriteAllTextAsync(file, Calendar + "\n    - {date: \"2026-12-31\", name: Office closed}\n");
        var diff = await cli.RunAsync("diff", "-f", file, "--source", "first-hour");
        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Contains("    + holidays 2026-12-31 Office closed", diff.Output.Split('\n'));
        Assert.DoesNotContain("[{", diff.Output, StringComparison.Ordinal);
    }
}
