namespace Scheduler.Common.Targets;

/// <summary>Header names whose values are secrets: encrypted at rest, never echoed back by the API nor logged.</summary>
public static class SensitiveHeaders
{
    public const string Redacted = "***";

    private static readonly string[] Markers = ["auth", "token", "secret", "key", "cookie", "password", "signature"];

    public static bool IsSensitive(string name) =>
        Markers.Any(m => name.Contains(m, StringComparison.OrdinalIgnoreCase));
}
