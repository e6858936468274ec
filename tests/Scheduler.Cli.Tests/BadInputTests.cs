namespace Scheduler.Cli.Tests;

/// <summary>
/// What goes wrong in real sources and real pipelines — malformed YAML, unknown kinds and fields, a name declared twice, a
/// bad field in the middle of a directory, an object another source manages, a wrong key, no server — each with a message
/// that says where, a stable exit code, and nothing written.
/// </summary>
public sealed class BadInputTests(CliServer server) : IClassFixture<CliServer>
{
    private const string Header = "apiVersion: scheduleman/v1\n";

    private async Task<(CliRunner Cli, string Dir)> SourceAsync(params (string File, string Yaml)[] files)
    {
        var home = CliServer.TemporaryDirectory();
        var cli = new CliRunner(home);
        cli.Environment["SCHEDULEMAN_URL"] = server.Address.ToString();
        cli.Environment["SCHEDULEMAN_API_KEY"] = CliServer.AdminKey;
        var dir = Path.Combine(home, "source");
        Directory.CreateDirectory(dir);
        foreach (var (file, yaml) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(dir, file), yaml);
        }
        return (cli, dir);
    }

    private static string Schedule(string name, string cron = "0 0 2 * * *", string extra = "") =>
        $"{Header}kind: Schedule\nmetadata:\n  name: {name}\nspec:\n  cron: \"{cron}\"\n{extra}  target:\n    type: kafka\n    topic: jobs\n";

    private async Task<int> ScheduleCountAsync() => (await server.GetAsync("/api/v1/schedules?limit=500"))["items"]!.AsArray().Count;

    [Fact]
    public async Task Malformed_yaml_names_the_file_and_line_and_writes_nothing()
    {
        var before = await ScheduleCountAsync();
        var (cli, dir) = await SourceAsync(("good.yaml", Schedule("fine-job")), ("broken.yaml", $"{Header}kind: Schedule\nmetadata:\n  name: x\nspec:\n  cron: [\"0 0 2 * * *\"\n"));
        var result = await cli.RunAsync("apply", "-f", dir);
        Assert.True(result.ExitCode == ExitCodes.Invalid, result.ToString());
        Assert.Matches(@"broken\.yaml: line 7, column \d+: .*flow sequence", result.Error);
        Assert.Equal(before, await ScheduleCountAsync());
    }

    [Fact]
    public async Task Unknown_kinds_fields_and_versions_are_each_reported_with_their_line()
    {
        var (cli, dir) = await SourceAsync(("a.yaml",
            $"{Header}kind: Shedule\nmetadata:\n  name: a\nspec: {{}}\n---\n" +
            $"{Header}kind: Schedule\nmetadata:\n  name: b\n  owner: me\nspec:\n  cron: \"0 0 2 * * *\"\n  target:\n    type: kafka\n    topik: jobs\n---\n" +
            "apiVersion: scheduleman/v2\nkind: Calendar\nmetadata:\n  name: c\nspec: {}\n"));
        var result = await cli.RunAsync("diff", "-f", dir);
        Assert.True(result.ExitCode == ExitCodes.Invalid, result.ToString());
        Assert.Contains("a.yaml: document 1 (Shedule 'a'), line 2: kind: is not a kind: use Calendar, Workflow, Schedule, Outage", result.Error, StringComparison.Ordinal);
        Assert.Contains("a.yaml: document 2 (Schedule 'b'), line 11: metadata.owner: is not a known field", result.Error, StringComparison.Ordinal);
        Assert.Contains("a.yaml: document 2 (Schedule 'b'), line 16: spec.target.topik: is not a known field", result.Error, StringComparison.Ordinal);
        Assert.Contains("a.yaml: document 3 (Calendar 'c'), line 18: apiVersion: must be scheduleman/v1", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_declared_in_two_files_is_refused_naming_both()
    {
        var (cli, dir) = await SourceAsync(("one.yaml", Schedule("twice")), ("two.yaml", "# the same job again\n" + Schedule("twice", "0 0 3 * * *")));
        var result = await cli.RunAsync("apply", "-f", dir);
        Assert.True(result.ExitCode == ExitCodes.Invalid, result.ToString());
        Assert.Contains("Schedule 'twice' is declared 2 times: source/one.yaml: document 1 (line 4); source/two.yaml: document 1 (line 5)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_field_in_the_third_document_stops_the_apply_before_anything_is_written()
    {
        var before = await ScheduleCountAsync();
        var (cli, dir) = await SourceAsync(("jobs.yaml", Schedule("first-job") + "---\n" + Schedule("second-job") + "---\n" + Schedule("third-job", "0 0 25 * * *", "  maxAttempts: 500\n")));
        var result = await cli.RunAsync("apply", "-f", dir);
        Assert.True(result.ExitCode == ExitCodes.Invalid, result.ToString());
        Assert.Contains("nothing was applied: 2 problems", result.Error, StringComparison.Ordinal);
        Assert.Matches(@"jobs\.yaml: document 3 \(Schedule 'third-job'\), line 26: cron: '0 0 25 \* \* \*' is not a valid cron expression", result.Error);
        Assert.Matches(@"jobs\.yaml: document 3 \(Schedule 'third-job'\), line 27: maxAttempts: must be between 1 and 100", result.Error);
        Assert.Equal(before, await ScheduleCountAsync());
    }

    [Fact]
    public async Task A_schedule_naming_a_calendar_that_exists_nowhere_is_refused()
    {
        var (cli, dir) = await SourceAsync(("jobs.yaml", Schedule("on-calendar", extra: "  calendar: no-such-calendar\n")));
        var result = await cli.RunAsync("diff", "-f", dir);
        Assert.True(result.ExitCode == ExitCodes.Invalid, result.ToString());
        Assert.Contains("line 7: calendar: there is no calendar named 'no-such-calendar' in these files or on the server", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_object_another_source_manages_is_a_conflict_and_nothing_is_written()
    {
        var (cli, dir) = await SourceAsync(("jobs.yaml", Schedule("owned-job")));
        var owned = await cli.RunAsync("apply", "-f", dir, "--source", "team-a");
        Assert.True(owned.ExitCode == 0, owned.ToString());
        var version = (string)(await server.GetAsync("/api/v1/schedules?name=owned-job"))["items"]![0]!["version"]!.ToString();

        await File.WriteAllTextAsync(Path.Combine(dir, "jobs.yaml"), Schedule("owned-job", "0 0 4 * * *") + "---\n" + Schedule("new-job"));
        var taken = await cli.RunAsync("apply", "-f", dir, "--source", "team-b");
        Assert.True(taken.ExitCode == ExitCodes.Conflict, taken.ToString());
        Assert.Contains("Schedule 'owned-job' is managed by source 'team-a', not 'team-b'", taken.Error, StringComparison.Ordinal);
        var after = (await server.GetAsync("/api/v1/schedules?name=owned-job"))["items"]![0]!;
        Assert.Equal(version, after["version"]!.ToString());
        Assert.Empty((await server.GetAsync("/api/v1/schedules?name=new-job"))["items"]!.AsArray());

        // A prune by team-b never touches team-a's object, even with team-b's files empty of it.
        await File.WriteAllTextAsync(Path.Combine(dir, "jobs.yaml"), Schedule("team-b-job"));
        var pruned = await cli.RunAsync("apply", "-f", dir, "--source", "team-b", "--prune");
        Assert.True(pruned.ExitCode == 0, pruned.ToString());
        Assert.Single((await server.GetAsync("/api/v1/schedules?name=owned-job"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_write_only_the_server_can_refuse_stops_the_apply_says_what_was_written_and_a_second_apply_carries_on()
    {
        // The egress policy lives on the server: 10.0.0.1 is an internal address it refuses, which no local check knows.
        var calendar = $"{Header}kind: Calendar\nmetadata:\n  name: refusal-calendar\nspec:\n  weekendDays: [sunday]\n";
        var refused = $"{Header}kind: Schedule\nmetadata:\n  name: internal-hook\nspec:\n  cron: \"0 0 2 * * *\"\n  target:\n    type: webhook\n    url: http://10.0.0.1/hook\n";
        var (cli, dir) = await SourceAsync(("calendar.yaml", calendar), ("hook.yaml", refused));
        var result = await cli.RunAsync("apply", "-f", dir);
        Assert.True(result.ExitCode == ExitCodes.Invalid, result.ToString());
        Assert.Contains("created Calendar 'refusal-calendar'", result.Error, StringComparison.Ordinal);
        Assert.Contains("created Schedule 'internal-hook' failed after 1 of 2 writes", result.Error, StringComparison.Ordinal);
        Assert.Contains("target.url", result.Error, StringComparison.Ordinal);
        Assert.Contains("apply again to carry on", result.Error, StringComparison.Ordinal);
        Assert.Empty((await server.GetAsync("/api/v1/schedules?name=internal-hook"))["items"]!.AsArray());

        await File.WriteAllTextAsync(Path.Combine(dir, "hook.yaml"), refused.Replace("http://10.0.0.1/hook", "http://127.0.0.1:9/hook", StringComparison.Ordinal));
        var fixedUp = await cli.RunAsync("apply", "-f", dir);
        Assert.True(fixedUp.ExitCode == 0, fixedUp.ToString());
        Assert.Contains("1 to create, 0 to change, 0 to delete, 1 unchanged", fixedUp.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exit_codes_for_usage_not_found_a_wrong_key_and_no_server()
    {
        var (cli, _) = await SourceAsync();
        Assert.Equal(ExitCodes.Usage, (await cli.RunAsync("get")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.RunAsync("frobnicate")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.RunAsync("get", "gadgets")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.RunAsync("apply")).ExitCode);

        var missing = await cli.RunAsync("describe", "schedule", "no-such-schedule");
        Assert.True(missing.ExitCode == ExitCodes.NotFound, missing.ToString());
        Assert.Contains("there is no schedule named 'no-such-schedule'", missing.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await cli.RunAsync("get", "execution", Guid.NewGuid().ToString())).ExitCode);

        cli.Environment["SCHEDULEMAN_API_KEY"] = "smk_wrong";
        var denied = await cli.RunAsync("get", "schedules");
        Assert.True(denied.ExitCode == ExitCodes.Denied, denied.ToString());
        Assert.Contains("(401)", denied.Error, StringComparison.Ordinal);

        cli.Environment["SCHEDULEMAN_URL"] = $"http://127.0.0.1:{Scheduler.Testing.Ports.Free()}";
        var unreachable = await cli.RunAsync("get", "schedules");
        Assert.True(unreachable.ExitCode == ExitCodes.Unreachable, unreachable.ToString());
        Assert.Contains("cannot reach", unreachable.Error, StringComparison.Ordinal);

        cli.Environment.Remove("SCHEDULEMAN_URL");
        cli.Environment.Remove("SCHEDULEMAN_API_KEY");
        var none = await cli.RunAsync("get", "schedules");
        Assert.True(none.ExitCode == ExitCodes.Usage, none.ToString());
        Assert.Contains("scheduleman login", none.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_refusal_is_printed_as_its_problem_details()
    {
        var (cli, dir) = await SourceAsync(("jobs.yaml", Schedule("api-refusal", extra: "  parameters:\n    count: {type: integer, default: 1}\n")));
        Assert.Equal(0, (await cli.RunAsync("create", "-f", dir)).ExitCode);
        var again = await cli.RunAsync("create", "-f", dir);
        Assert.True(again.ExitCode == ExitCodes.Conflict, again.ToString());
        Assert.Contains("Schedule 'api-refusal' exists already", again.Error, StringComparison.Ordinal);

        var trigger = await cli.RunAsync("trigger", "schedule", "api-refusal", "--param", "count=\"many\"");
        Assert.True(trigger.ExitCode == ExitCodes.Invalid, trigger.ToString());
        Assert.Contains("The trigger is invalid (400)", trigger.Error, StringComparison.Ordinal);
        Assert.Contains("parameters.count: ", trigger.Error, StringComparison.Ordinal);
    }
}
