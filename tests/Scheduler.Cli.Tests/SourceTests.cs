using System.Text.Json.Nodes;

namespace Scheduler.Cli.Tests;

/// <summary>
/// Who manages what (issue 32): the default source is the path inside the repository, whichever folder it is checked out in;
/// what older CLIs recorded under the folder's name is taken over in the plan; an object made by hand is adopted only when
/// asked, so that a prune can never delete it.
/// </summary>
public sealed class SourceTests(CliServer server) : IClassFixture<CliServer>
{
    [Fact]
    public async Task A_second_checkout_of_the_repository_is_the_same_source_and_an_older_clis_folder_name_is_renamed_in_the_plan()
    {
        var cli = await server.LoggedInAsync();
        var home = CliServer.TemporaryDirectory();
        var first = await GitSource.CreateAsync(home, "clone-a");
        first.Write("ops/schedules/jobs.yaml", CliServer.ManualJob("clone-job") + "\n---\n" + CliServer.ManualJob("clone-gone"));
        await first.CommitAsync("jobs");
        // What a CLI before this change recorded for ops/schedules in clone-a.
        var old = await cli.RunInAsync(first.Root, "apply", "-f", "ops/schedules", "--source", "clone-a/ops/schedules");
        Assert.True(old.ExitCode == 0, old.ToString());

        var second = new GitSource(Path.Combine(home, "clone-b"));
        await first.GitAsync("clone", "-q", first.Root, second.Root);
        second.Write("ops/schedules/jobs.yaml", CliServer.ManualJob("clone-job"));
        await second.CommitAsync("one job goes");

        var diff = await cli.RunInAsync(second.Root, "diff", "-f", "ops/schedules", "--prune", "-o", "json");
        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Equal("ops/schedules", (string)diff.Json["source"]!);
        var changes = diff.Json["changes"]!.AsArray();
        Assert.Equal(("update", "clone-a/ops/schedules"), Single(changes, "clone-job"));
        Assert.Equal(("delete", "clone-a/ops/schedules"), Single(changes, "clone-gone"));
        var text = await cli.RunInAsync(second.Root, "diff", "-f", "ops/schedules");
        Assert.Contains("source renamed: 'clone-a/ops/schedules'", text.Output, StringComparison.Ordinal);

        var applied = await cli.RunInAsync(second.Root, "apply", "-f", "ops/schedules", "--prune");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Equal("ops/schedules", await server.ManagedByAsync("clone-job"));
        Assert.Empty((await server.GetAsync("/api/v1/schedules?name=clone-gone"))["items"]!.AsArray());

        // The first checkout is now the same source too: nothing to do, nothing refused.
        await first.GitAsync("pull", "-q", second.Root, "main");
        var back = await cli.RunInAsync(first.Root, "diff", "-f", "ops/schedules", "--exit-code");
        Assert.True(back.ExitCode == 0, back.ToString());
    }

    [Fact]
    public async Task Two_older_names_for_the_same_path_are_refused_naming_both()
    {
        var cli = await server.LoggedInAsync();
        var repo = await GitSource.CreateAsync(CliServer.TemporaryDirectory(), "mine");
        var a = repo.Write("a/ambiguous-a.yaml", CliServer.ManualJob("ambiguous-a"));
        var b = repo.Write("b/ambiguous-b.yaml", CliServer.ManualJob("ambiguous-b"));
        Assert.Equal(0, (await cli.RunAsync("apply", "-f", a, "--source", "team-x/deploy/jobs")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("apply", "-f", b, "--source", "team-y/deploy/jobs")).ExitCode);
        repo.Write("deploy/jobs/jobs.yaml", CliServer.ManualJob("ambiguous-a"));
        await repo.CommitAsync("jobs");

        var refused = await cli.RunInAsync(repo.Root, "apply", "-f", "deploy/jobs");
        Assert.True(refused.ExitCode == ExitCodes.Conflict, refused.ToString());
        Assert.Contains("'team-x/deploy/jobs' and 'team-y/deploy/jobs'", refused.Error, StringComparison.Ordinal);
        Assert.Equal("team-x/deploy/jobs", await server.ManagedByAsync("ambiguous-a"));
    }

    internal static (string Action, string? FormerSource) Single(JsonArray changes, string name)
    {
        var change = changes.Single(c => (string)c!["name"]! == name)!;
        return ((string)change["action"]!, (string?)change["formerSource"]);
    }
}

/// <summary>An export of what was made by hand, applied: nothing is adopted unless asked, so a prune never deletes it (its own server: an export takes every object).</summary>
public sealed class AdoptionTests(CliServer server) : IClassFixture<CliServer>
{
    [Fact]
    public async Task A_hand_made_object_exported_and_applied_is_not_adopted_without_adopt_and_a_prune_never_deletes_it()
    {
        var cli = await server.LoggedInAsync();
        var made = await server.Http.PostAsync("/api/v1/schedules",
            new StringContent("""{"name": "by-hand", "manual": true, "target": {"type": "kafka", "topic": "t"}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(made.IsSuccessStatusCode, await made.Content.ReadAsStringAsync());
        var repo = await GitSource.CreateAsync(CliServer.TemporaryDirectory(), "ops");
        var export = await cli.RunInAsync(repo.Root, "export", "--kind", "Schedule", "-d", "jobs");
        Assert.True(export.ExitCode == 0, export.ToString());
        repo.Write("jobs/mine.yaml", CliServer.ManualJob("by-source"));
        await repo.CommitAsync("exported");

        var applied = await cli.RunInAsync(repo.Root, "apply", "-f", "jobs", "-o", "json");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Equal(("not-adopted", null), SourceTests.Single(applied.Json["changes"]!.AsArray(), "by-hand"));
        Assert.Null(await server.ManagedByAsync("by-hand"));
        Assert.Equal("jobs", await server.ManagedByAsync("by-source"));
        var plan = await cli.RunInAsync(repo.Root, "diff", "-f", "jobs", "--exit-code");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("= Schedule 'by-hand' (not adopted: made outside any source", plan.Output, StringComparison.Ordinal);

        // Dropped from the files and pruned: the source's own object goes, the hand-made one stays.
        File.Delete(Path.Combine(repo.Root, "jobs", "schedules.yaml"));
        File.Delete(Path.Combine(repo.Root, "jobs", "mine.yaml"));
        repo.Write("jobs/keep.yaml", CliServer.ManualJob("kept"));
        var pruned = await cli.RunInAsync(repo.Root, "apply", "-f", "jobs", "--prune");
        Assert.True(pruned.ExitCode == 0, pruned.ToString());
        Assert.Null(await server.ManagedByAsync("by-hand"));
        Assert.Empty((await server.GetAsync("/api/v1/schedules?name=by-source"))["items"]!.AsArray());

        // Asked to, the apply adopts it and says so.
        repo.Write("jobs/by-hand.yaml", CliServer.ManualJob("by-hand").Replace("topic: jobs", "topic: t", StringComparison.Ordinal));
        var adopted = await cli.RunInAsync(repo.Root, "apply", "-f", "jobs", "--adopt");
        Assert.True(adopted.ExitCode == 0, adopted.ToString());
        Assert.Contains("~ Schedule 'by-hand' (adopt:", adopted.Output, StringComparison.Ordinal);
        Assert.Equal("jobs", await server.ManagedByAsync("by-hand"));
    }

}
