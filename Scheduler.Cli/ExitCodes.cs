namespace Scheduler.Cli;

/// <summary>What <c>scheduleman</c> exits with: stable, so that scripts and CI pipelines can branch on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Anything else that went wrong (the message says what).</summary>
    public const int Error = 1;

    /// <summary>The command line itself is wrong: an unknown command or option, a missing argument.</summary>
    public const int Usage = 2;

    public const int NotFound = 3;

    /// <summary>A name is taken, an object is managed by another source, or it changed since it was read (409, 412).</summary>
    public const int Conflict = 4;

    /// <summary>No key, a wrong key, or a key without the scope the command needs (401, 403).</summary>
    public const int Denied = 5;

    /// <summary>The server cannot be reached, or keeps answering 503.</summary>
    public const int Unreachable = 6;

    /// <summary>The input is invalid: YAML, a document, or a request the API refused (400, 413, 415).</summary>
    public const int Invalid = 7;

    /// <summary><c>diff --exit-code</c>: there are changes to apply.</summary>
    public const int Changes = 8;
}

/// <summary>A failure to report in plain words and exit with <see cref="ExitCode"/>; <see cref="Details"/> are printed under it.</summary>
public sealed class CliException(int exitCode, string message, IReadOnlyList<string>? details = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public IReadOnlyList<string> Details { get; } = details ?? [];
}
