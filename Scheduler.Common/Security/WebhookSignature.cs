using System.Security.Cryptography;
using System.Text;

namespace Scheduler.Common.Security;

/// <summary>
/// Standard Webhooks signing (https://www.standardwebhooks.com): the secret is <c>whsec_</c> + base64 of
/// 24–64 random bytes; <c>webhook-signature</c> is <c>v1,</c> + base64(HMAC-SHA256(secret, "id.timestamp.body")).
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    public const int MinSecretBytes = 24;
    public const int MaxSecretBytes = 64;

    /// <summary>A fresh random secret.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Why the text is not a signing secret, or null when it is one.</summary>
    public static string? Problem(string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return $"must start with '{SecretPrefix}' followed by base64 of {MinSecretBytes}–{MaxSecretBytes} random bytes";
        }
        var key = new byte[MaxSecretBytes + 3];
        if (!Convert.TryFromBase64String(secret[SecretPrefix.Length..], key, out var length))
        {
            return $"the part after '{SecretPrefix}' is not base64";
        }
        return length is < MinSecretBytes or > MaxSecretBytes
            ? $"must hold {MinSecretBytes}–{MaxSecretBytes} bytes of key, got {length}"
            : null;
    }

    /// <summary>The <c>webhook-signature</c> header value for one attempt.</summary>
    public static string Sign(string secret, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, message));
    }

    /// <summary>
    /// How a receiver checks a delivery: <c>valid</c>, <c>invalid</c>, <c>missing</c> (no signature headers) or
    /// <c>stale</c> (timestamp more than <paramref name="tolerance"/> from <paramref name="now"/>, a replay).
    /// </summary>
    public static string Verify(string secret, string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body,
        DateTimeOffset now, TimeSpan tolerance)
    {
        if (id is null || signatures is null || !long.TryParse(timestamp, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return "missing";
        }
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return "stale";
        }
        var expected = Encoding.ASCII.GetBytes(Sign(secret, id, seconds, body));
        // The header may hold several space-separated signatures (during secret rotation); one match is enough.
        return signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected)) ? "valid" : "invalid";
    }
}
