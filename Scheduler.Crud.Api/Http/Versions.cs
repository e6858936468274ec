using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Scheduler.Crud.Api.Http;

/// <summary>Optimistic concurrency: a schedule's version is its ETag; writes may send it back in <c>If-Match</c>.</summary>
internal static class Versions
{
    public static string ETag(int version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// The version the client expects: null when it sent no <c>If-Match</c> (or <c>*</c>), -1 when what it sent
    /// cannot be one of our ETags (so it can never match, and the write gets 412 as RFC 9110 says).
    /// </summary>
    public static int? Expected(HttpRequest request)
    {
        var header = request.Headers[HeaderNames.IfMatch].ToString().Trim();
        if (header.Length == 0 || header == "*")
        {
            return null;
        }
        var tag = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        return tag.Length > 2 && tag[0] == '"' && tag[^1] == '"' &&
               int.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : -1;
    }
}
