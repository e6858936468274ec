namespace Scheduler.Storage;

/// <summary>Text searched for as a substring with <c>ilike … escape '\'</c>: its wildcards and backslashes match themselves.</summary>
internal static class LikePattern
{
    public static string Contains(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
