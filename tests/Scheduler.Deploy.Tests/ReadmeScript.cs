using System.Text;
using System.Text.RegularExpressions;
using Scheduler.Testing;

namespace Scheduler.Deploy.Tests;

/// <summary>A README shell block: where it stands, its code, why it is not run (null: it is), and the answers it documents.</summary>
internal sealed record ReadmeBlock(string Heading, string Code, string? Skip, IReadOnlyList<string> Expectations);

/// <summary>What one block printed, and the commands in it that failed.</summary>
internal sealed record BlockResult(string Output, IReadOnlyList<string> Errors);

/// <summary>
/// Reads the README's <c>```bash</c> blocks and turns them into one script. A block is not run when the line before it is
/// <c>&lt;!-- readme-test: skip (why) --&gt;</c>; a comment <c># ⇒ text</c> on a line documents text its output must contain
/// (prose may follow after <c> — </c>).
/// </summary>
internal static partial class ReadmeScript
{
    private const string Begin = "@@readme-block-begin ";
    private const string End = "@@readme-block-end ";
    private const string Error = "@@readme-block-error ";

    public static IReadOnlyList<ReadmeBlock> Parse(string readme)
    {
        var blocks = new List<ReadmeBlock>();
        var lines = readme.Split('\n');
        var heading = "";
        string? previous = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.StartsWith('#'))
            {
                heading = line.TrimStart('#', ' ');
            }
            if (line.Trim() != "```bash")
            {
                if (line.Trim().Length > 0)
                {
                    previous = line;
                }
                continue;
            }
            var code = new StringBuilder();
            for (i++; i < lines.Length && lines[i].TrimEnd('\r').Trim() != "```"; i++)
            {
                code.Append(lines[i].TrimEnd('\r')).Append('\n');
            }
            var skip = previous is not null && SkipMarker().Match(previous) is { Success: true } m ? m.Groups[1].Value.Trim() : null;
            var text = code.ToString();
            blocks.Add(new ReadmeBlock(heading, text, skip, Expectation().Matches(text).Select(e => e.Groups[1].Value.Split(" — ")[0].Trim()).ToList()));
            previous = null;
        }
        return blocks;
    }

    /// <summary>
    /// One bash script of <paramref name="blocks"/> in order, against <paramref name="system"/>'s data folder: each
    /// block between markers, every failing command reported (with pipefail, so a failed curl in a pipe counts).
    /// </summary>
    public static string Build(IReadOnlyList<ReadmeBlock> blocks, RunSh system)
    {
        var script = new StringBuilder("set -o pipefail -o errtrace\n");
        for (var i = 0; i < blocks.Count; i++)
        {
            // The blocks run as written, on the README's ports; only the data folder is this run's own.
            var code = blocks[i].Code.Replace(".data/", system.DataDirectory + "/", StringComparison.Ordinal);
            var n = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            script.Append("echo '" + Begin + n + "'\n");
            script.Append("trap 'echo \"" + Error + n + " line $LINENO: $BASH_COMMAND\"' ERR\n");
            script.Append(code);
            script.Append("trap - ERR\n");
            script.Append("echo; echo '" + End + n + "'\n");
        }
        return script.ToString();
    }

    /// <summary>What each block (by its index among the run blocks) printed, from the script's output.</summary>
    public static Dictionary<int, BlockResult> Results(string output)
    {
        var results = new Dictionary<int, BlockResult>();
        int? current = null;
        var text = new StringBuilder();
        var errors = new List<string>();
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith(Begin, StringComparison.Ordinal))
            {
                current = int.Parse(line[Begin.Length..], System.Globalization.CultureInfo.InvariantCulture);
                text.Clear();
                errors = [];
            }
            else if (line.StartsWith(End, StringComparison.Ordinal) && current is { } index)
            {
                results[index] = new BlockResult(text.ToString(), errors);
                current = null;
            }
            else if (line.StartsWith(Error, StringComparison.Ordinal))
            {
                errors.Add(line[Error.Length..]);
            }
            else if (current is not null)
            {
                text.Append(line).Append('\n');
            }
        }
        return results;
    }

    [GeneratedRegex(@"^<!--\s*readme-test:\s*skip\s*\((.*)\)\s*-->\s*$")]
    private static partial Regex SkipMarker();

    [GeneratedRegex(@"#\s*⇒\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex Expectation();
}
