using Scheduler.Testing;
using Xunit;

namespace Scheduler.Deploy.Tests;

/// <summary>
/// The README is a path a newcomer pastes block by block (issue 32): this starts the system with <c>./run.sh</c>, as the
/// README says, runs every shell block of the README in order in one shell, and checks each documented answer (a
/// <c># ⇒ text</c> comment: the block's output contains that text, in order) and that no command in a block failed.
/// </summary>
public sealed class ReadmeTests
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public void The_readme_marks_what_it_does_not_run_and_documents_answers_to_check()
    {
        var blocks = ReadmeScript.Parse(File.ReadAllText(Path.Combine(PostgresServer.RepositoryRoot(), "README.md")));

        Assert.Contains(blocks, b => b.Skip is null && b.Code.Contains("/api/v1/schedules", StringComparison.Ordinal));
        Assert.All(blocks.Where(b => b.Skip is not null), b => Assert.False(string.IsNullOrWhiteSpace(b.Skip), $"block under '{b.Heading}' is skipped without a reason"));
        // The commands that start something long-running or need what this machine lacks are the skipped ones.
        Assert.Contains(blocks, b => b.Skip is not null && b.Code.Trim() == "./run.sh");
        Assert.True(blocks.Sum(b => b.Expectations.Count) >= 20, "the README documents few answers the test can check");
    }

    [Fact]
    public async Task Every_readme_block_pasted_in_order_against_a_fresh_run_sh_gives_its_documented_answers()
    {
        var root = PostgresServer.RepositoryRoot();
        var blocks = ReadmeScript.Parse(await File.ReadAllTextAsync(Path.Combine(root, "README.md")));
        await using var system = await RunSh.StartAsync(apiPort: 8080, echoPort: 5003);

        var script = ReadmeScript.Build(blocks.Where(b => b.Skip is null).ToList(), system);
        var (exit, output) = await system.RunScriptAsync(script, ScriptTimeout);

        var results = ReadmeScript.Results(output);
        var problems = new List<string>();
        foreach (var (block, index) in blocks.Where(b => b.Skip is null).Select((b, i) => (b, i)))
        {
            if (!results.TryGetValue(index, out var result))
            {
                problems.Add($"block {index} under '{block.Heading}' did not finish (script exit {exit})");
                break;
            }
            problems.AddRange(result.Errors.Select(e => $"block {index} under '{block.Heading}': a command failed: {e}"));
            var at = 0;
            foreach (var expected in block.Expectations)
            {
                var found = result.Output.IndexOf(expected, at, StringComparison.Ordinal);
                if (found < 0)
                {
                    problems.Add($"block {index} under '{block.Heading}': no '{expected}' in its output (after what was already matched)");
                    continue;
                }
                at = found + expected.Length;
            }
            if (problems.Count > 0)
            {
                problems.Add($"--- output of block {index} ---\n{result.Output}");
                break;
            }
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems) + "\n" + system.Tail());
    }
}
