using System.Security.Cryptography;
using System.Text;

namespace Scheduler.Common.Security;

/// <summary>
/// Encrypts secrets before they are stored (AES-256-GCM): <c>enc:v1:&lt;key id&gt;:&lt;base64 nonce|ciphertext|tag&gt;</c>.
/// The key comes from configuration (<c>Secrets:Key</c>), never from the database, so a copy of the
/// database alone reveals no secret. <c>Secrets:PreviousKeys</c> still decrypt, for key rotation.
/// </summary>
public sealed class SecretBox
{
    private const string Prefix = "enc:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly (string Id, byte[] Key) _active;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public SecretBox(string activeKey, IEnumerable<string>? previousKeys = null)
    {
        _active = Parse(activeKey, "Secrets:Key");
        _keys[_active.Id] = _active.Key;
        foreach (var previous in previousKeys ?? [])
        {
            var (id, key) = Parse(previous, "Secrets:PreviousKeys");
            _keys.TryAdd(id, key);
        }
    }

    /// <summary>True for text this class produced (stored ciphertext rather than a plain value).</summary>
    public static bool IsProtected(string value) => value.StartsWith(Prefix, StringComparison.Ordinal);

    public string Protect(string plaintext)
    {
        if (IsProtected(plaintext))
        {
            return plaintext;
        }
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_active.Key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length));
        return $"{Prefix}{_active.Id}:{Convert.ToBase64String(sealedBytes)}";
    }

    /// <summary>The plain value; values stored before encryption existed pass through unchanged.</summary>
    public string Reveal(string stored)
    {
        if (!IsProtected(stored))
        {
            return stored;
        }
        var rest = stored[Prefix.Length..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !_keys.TryGetValue(rest[..colon], out var key))
        {
            throw new CryptographicException($"secret encrypted with key '{(colon < 0 ? "?" : rest[..colon])}', which is not configured (Secrets:Key or Secrets:PreviousKeys)");
        }
        var sealedBytes = Convert.FromBase64String(rest[(colon + 1)..]);
        var length = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>
    /// Keys for another purpose (e.g. signing report tokens), derived from the configured keys with HKDF so that one setting
    /// serves both and neither use can be turned against the other. The active key's comes first.
    /// </summary>
    public IReadOnlyList<byte[]> DeriveKeys(string purpose)
    {
        var info = Encoding.UTF8.GetBytes(purpose);
        return [HKDF.DeriveKey(HashAlgorithmName.SHA256, _active.Key, 32, info: info),
            .. _keys.Where(k => k.Key != _active.Id).Select(k => HKDF.DeriveKey(HashAlgorithmName.SHA256, k.Value, 32, info: info))];
    }

    /// <summary>A fresh key for <c>Secrets:Key</c>.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static (string Id, byte[] Key) Parse(string text, string setting)
    {
        var key = new byte[48];
        if (!Convert.TryFromBase64String(text.Trim(), key, out var length) || length != 32)
        {
            throw new InvalidOperationException($"{setting} must be base64 of 32 random bytes (e.g. the output of `openssl rand -base64 32`)");
        }
        key = key[..32];
        // The id names the key in each ciphertext without revealing it.
        return (Convert.ToHexStringLower(SHA256.HashData(key))[..8], key);
    }
}

/// <summary>The <c>Secrets</c> configuration section.</summary>
public sealed class SecretOptions
{
    public const string Section = "Secrets";

    /// <summary>Base64 of 32 random bytes; encrypts every secret written from now on. Required by the API and executors.</summary>
    public string? Key { get; set; }

    /// <summary>Keys rotated out: still decrypt what they encrypted.</summary>
    public List<string> PreviousKeys { get; set; } = [];
}
