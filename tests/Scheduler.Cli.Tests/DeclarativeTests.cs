using System.Text.Json.Nodes;
using Scheduler.Testing;

namespace Scheduler.Cli.Tests;

/// <summary>
/// The loop a platform team runs in CI: apply a directory of YAML under git, see no diff, change one field, see exactly that
/// field, apply, find the change in the audit trail with its commit, export, apply the export as a no-op, prune.
/// </summary>
public sealed class DeclarativeTests(CliServer server) : IClassFixture<CliServer>
{
    private static readonly string Example = Path.Combine(PostgresServer.RepositoryRoot(), "docs", "cli", "example");

    [Fact]
    public async Task Apply_diff_edit_audit_export_and_prune_round_trip()
    {
        var home = CliServer.TemporaryDirectory();
        var cli = new CliRunner(home);
        var login = await cli.RunAsync("login", "--url", server.Address.ToString(), "--key", CliServer.AdminKey);
        Assert.True(login.ExitCode == 0, login.ToString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.ConfigFile));
        }

        // The README's example directory, committed to a repository of its own.
        var repo = await GitSource.CreateAsync(home, "ops");
        foreach (var example in Directory.GetFiles(Example, "*.yaml"))
        {
            File.Copy(example, Path.Combine(Directory.CreateDirectory(Path.Combine(repo.Root, "schedules")).FullName, Path.GetFileName(example)));
        }
        await repo.CommitAsync("schedules");

        var applied = await cli.RunInAsync(repo.Root, "apply", "-f", "schedules");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains("5 to create", applied.Error, StringComparison.Ordinal);
        var schedules = (await server.GetAsync("/api/v1/schedules"))["items"]!.AsArray();
        Assert.Equal(["month-end-report", "nightly-etl"], schedules.Select(s => (string)s!["name"]!).Order());
        // The path inside the repository, not the checkout folder it happens to be in ("ops").
        Assert.All(schedules, s => Assert.Equal("schedules", (string?)s!["managedBy"]));

        var unchanged = await cli.RunInAsync(repo.Root, "diff", "-f", "schedules", "--exit-code");
        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Contains("No changes", unchanged.Error, StringComparison.Ordinal);

        // One field, in one file, committed.
        var file = Path.Combine(repo.Root, "schedules", "schedules.yaml");
        File.WriteAllText(file, File.ReadAllText(file).Replace("cron: \"0 0 17 * * *\"", "cron: \"0 30 17 * * *\"", StringComparison.Ordinal));
        var revision = await repo.CommitAsync("month-end report at half past five");

        var diff = await cli.RunInAsync(repo.Root, "diff", "-f", "schedules", "-o", "json", "--exit-code");
        Assert.True(diff.ExitCode == ExitCodes.Changes, diff.ToString());
        var changes = diff.Json["changes"]!.AsArray().Where(c => (string)c!["action"]! != "unchanged").ToList();
        var change = Assert.Single(changes);
        Assert.Equal("update", (string)change!["action"]!);
        Assert.Equal("month-end-report", (string)change["name"]!);
        var field = Assert.Single(change["fields"]!.AsArray());
        Assert.Equal("cron", (string)field!["path"]!);
        Assert.Equal("0 0 17 * * *", (string)field["before"]!);
        Assert.Equal("0 30 17 * * *", (string)field["after"]!);

        var second = await cli.RunInAsync(repo.Root, "apply", "-f", "schedules");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("1 to change", second.Error, StringComparison.Ordinal);

        // The audit trail has the change, from the CLI, at that commit, with a clean tree.
        var audit = await cli.RunInAsync(repo.Root, "audit", "--kind", "schedule", "--name", "month-end-report", "-o", "json");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        var latest = audit.Json.AsArray()[0]!;
        Assert.Equal("replace", (string)latest["action"]!);
        Assert.Equal("cli", (string)latest["source"]!);
        Assert.Equal(revision, (string)latest["revision"]!);
        Assert.False((bool)latest["revisionDirty"]!);
        Assert.Equal("0 0 17 * * *", (string)latest["before"]!["cron"]!);
        Assert.Equal("0 30 17 * * *", (string)latest["after"]!["cron"]!);

        // Export, and the export applied under the same source changes nothing.
        var export = await cli.RunInAsync(repo.Root, "export", "-d", "exported");
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal(["calendars.yaml", "outages.yaml", "schedules.yaml", "workflows.yaml"],
            Directory.GetFiles(Path.Combine(repo.Root, "exported")).Select(Path.GetFileName).Order());
        var reapplied = await cli.RunInAsync(repo.Root, "apply", "-f", "exported", "--source", "schedules");
        Assert.True(reapplied.ExitCode == 0, reapplied.ToString());
        Assert.Contains("Nothing to do", reapplied.Error, StringComparison.Ordinal);
        Assert.Contains("5 unchanged", reapplied.Error, StringComparison.Ordinal);

        // Prune removes what this source made and the files dropped — not what the API or another source made.
        var handMade = await server.Http.PostAsync("/api/v1/schedules", Json("""{"name": "hand-made", "manual": true, "target": {"type": "kafka", "topic": "t"}}"""));
        Assert.True(handMade.IsSuccessStatusCode, await handMade.Content.ReadAsStringAsync());
        repo.Write("other/job.yaml", """
            apiVersion: scheduleman/v1
            kind: Schedule
            metadata:
              name: other-team-job
            spec:
              manual: true
              target: {type: kafka, topic: other}
            """);
        var other = await cli.RunInAsync(repo.Root, "apply", "-f", "other", "--source", "other-team");
        Assert.True(other.ExitCode == 0, other.ToString());
        File.Delete(Path.Combine(repo.Root, "schedules", "outages.yaml"));
        File.Delete(Path.Combine(repo.Root, "schedules", "schedules.yaml"));
        Directory.Delete(Path.Combine(repo.Root, "exported"), recursive: true);

        var pruned = await cli.RunInAsync(repo.Root, "apply", "-f", "schedules", "--prune");
        Assert.True(pruned.ExitCode == 0, pruned.ToString());
        Assert.Contains("3 to delete", pruned.Error, StringComparison.Ordinal);
        var left = (await server.GetAsync("/api/v1/schedules"))["items"]!.AsArray().Select(s => (string)s!["name"]!).Order();
        Assert.Equal(["hand-made", "other-team-job"], left);
        var outage = (await server.GetAsync("/api/v1/outages"))["items"]!.AsArray().Single();
        Assert.Equal("cancelled", (string)outage!["state"]!);
        Assert.Single((await server.GetAsync("/api/v1/workflows"))["items"]!.AsArray());

        // The deletions were made from a tree with uncommitted changes, and the trail says so.
        var deletion = (await server.GetAsync("/api/v1/audit?objectType=schedule&limit=1"))["items"]![0]!;
        Assert.Equal("delete", (string)deletion["action"]!);
        Assert.True((bool)deletion["revisionDirty"]!);

        // And a prune again has nothing left to do.
        var again = await cli.RunInAsync(repo.Root, "diff", "-f", "schedules", "--prune", "--exit-code");
        Assert.True(again.ExitCode == 0, again.ToString());
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
