using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Scheduler.Cli.Manifests;

/// <summary>
/// Where a declarative source lives in git: the commit its files are at and whether they have uncommitted changes (sent to
/// the API, which keeps both in the audit trail), and the default source name — the directory's path in its repository.
/// </summary>
/// <param name="AtTop">The files are the repository's top directory (named after the repository, not by a path).</param>
public sealed partial record SourceRevision(string? Commit, bool? Dirty, string? RepositoryPath, bool AtTop = false)
{
    /// <summary>What a source name may be (the API records one only if it matches this).</summary>
    [GeneratedRegex("^[A-Za-z0-9._/@+-]{1,100}$")]
    public static partial Regex ValidSource();

    [GeneratedRegex("[^A-Za-z0-9._/@+-]+")]
    private static partial Regex Invalid();

    public static SourceRevision Of(string path)
    {
        var directory = Directory.Exists(path) ? Path.GetFullPath(path) : Path.GetDirectoryName(Path.GetFullPath(path))!;
        var top = Git(directory, "rev-parse", "--show-toplevel");
        if (top is null)
        {
            return new SourceRevision(null, null, null);
        }
        var commit = Git(directory, "rev-parse", "HEAD");
        var status = Git(directory, "status", "--porcelain", "--", Path.GetFullPath(path));
        var relative = Path.GetRelativePath(top, Path.GetFullPath(path)).Replace(Path.DirectorySeparatorChar, '/');
        // The path inside the repository, the same in every clone; the top itself is named as its repository is (origin), not
        // as the folder it was cloned into happens to be.
        return new SourceRevision(commit, commit is null ? null : status is { Length: > 0 }, relative == "." ? RepositoryName(directory, top) : relative,
            relative == ".");
    }

    /// <summary>The source name an apply uses when none is given: the path in the repository (else the directory's own name).</summary>
    public static string DefaultSource(string path, SourceRevision revision)
    {
        var name = revision.RepositoryPath ?? Path.GetFileName(Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar));
        name = Invalid().Replace(name, "-").Trim('-');
        return name.Length switch
        {
            0 => "default",
            > 100 => name[^100..],
            _ => name,
        };
    }

    /// <summary>
    /// Whether <paramref name="owner"/> is what an older CLI named the default source <paramref name="source"/>: the checkout's
    /// folder name, a slash, then the path in the repository (<c>clone-a/ops/schedules</c> for <c>ops/schedules</c>).
    /// </summary>
    public static bool IsLegacyName(string owner, string source) =>
        owner.Length > source.Length + 1 && owner.EndsWith("/" + source, StringComparison.Ordinal) && !owner[..^(source.Length + 1)].Contains('/', StringComparison.Ordinal);

    private static string RepositoryName(string directory, string top)
    {
        var origin = Git(directory, "remote", "get-url", "origin")?.TrimEnd('/');
        var name = origin is null ? null : origin[(origin.LastIndexOfAny(['/', ':']) + 1)..];
        name = name?.EndsWith(".git", StringComparison.Ordinal) == true ? name[..^4] : name;
        return name is { Length: > 0 } ? name : Path.GetFileName(top);
    }

    private static string? Git(string directory, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git here
        }
    }
}
