using System.Security.Cryptography;
using System.Text;

namespace Scheduler.Testing;

/// <summary>
/// Ciphertext in the format earlier releases stored (<c>enc:v1:&lt;key id&gt;:&lt;base64 nonce|ciphertext|tag&gt;</c>, AES-256-GCM
/// without associated data), written byte for byte as they wrote it: the rows an upgrade finds in a database.
/// </summary>
public static class LegacyV1
{
    public static string Encrypt(string base64Key, string plaintext)
    {
        var key = Convert.FromBase64String(base64Key);
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[12 + plain.Length + 16];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(sealedBytes.AsSpan(0, 12), plain, sealedBytes.AsSpan(12, plain.Length), sealedBytes.AsSpan(12 + plain.Length));
        return $"enc:v1:{Convert.ToHexStringLower(SHA256.HashData(key))[..8]}:{Convert.ToBase64String(sealedBytes)}";
    }
}
