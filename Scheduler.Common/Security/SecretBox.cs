using System.Security.Cryptography;
using System.Text;
using Scheduler.Common.Targets;

namespace Scheduler.Common.Security;

/// <summary>
/// Encrypts secrets before they are stored (AES-256-GCM): <c>enc:v2:&lt;key id&gt;:&lt;base64 nonce|ciphertext|tag&gt;</c>, each
/// bound to the <see cref="SecretContext"/> it protects (associated data), so that a ciphertext moved to another tenant, object
/// or field does not decrypt. The key comes from configuration (<c>Secrets:Key</c>), never from the database, so a copy of the
/// database alone reveals no secret. <c>Secrets:PreviousKeys</c> still decrypt, for key rotation.
/// </summary>
/// <remarks>
/// What a client sends is never taken for ciphertext: <see cref="Protect(string, SecretContext)"/> always encrypts, so a value
/// that looks like <c>enc:…</c> is stored, and delivered, as the literal text it is. The unbound <c>enc:v1:</c> format of
/// earlier releases is not revealed: <c>Scheduler.Storage migrate</c> re-encrypts it (<see cref="Reencrypt"/>).
/// </remarks>
public sealed class SecretBox
{
    private const string Prefix = "enc:v2:";
    private const string LegacyPrefix = "enc:v1:";
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

    /// <summary>The id of <c>Secrets:Key</c> as ciphertexts name it (8 hex digits of its SHA-256: names the key without revealing it).</summary>
    public string ActiveKeyId => _active.Id;

    /// <summary>True for stored ciphertext of either format (so that audit records can hide it).</summary>
    public static bool IsProtected(string value) =>
        value.StartsWith(Prefix, StringComparison.Ordinal) || value.StartsWith(LegacyPrefix, StringComparison.Ordinal);

    /// <summary>Encrypts <paramref name="plaintext"/> for <paramref name="context"/> with the active key, whatever it looks like.</summary>
    public string Protect(string plaintext, SecretContext context)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_active.Key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), context.AssociatedData());
        return $"{Prefix}{_active.Id}:{Convert.ToBase64String(sealedBytes)}";
    }

    /// <summary>
    /// The plain value stored for <paramref name="context"/>. Values stored before encryption existed (no <c>enc:</c> prefix)
    /// pass through unchanged: they were never secret from the database.
    /// </summary>
    /// <exception cref="SecretUnreadableException">Encrypted for another context, altered, with a key not configured, or in the v1 format.</exception>
    public string Reveal(string stored, SecretContext context)
    {
        if (stored.StartsWith(LegacyPrefix, StringComparison.Ordinal))
        {
            throw new SecretUnreadableException($"the secret in {context.Describe()} is in the v1 format, which is bound to no owner and no longer " +
                "decrypted; run `Scheduler.Storage migrate` with Secrets:Key set to re-encrypt it, or set the secret again", retryable: true);
        }
        return stored.StartsWith(Prefix, StringComparison.Ordinal) ? Decrypt(stored[Prefix.Length..], context.AssociatedData(), context) : stored;
    }

    /// <summary>A copy of <paramref name="target"/> with each secret encrypted for its field (<paramref name="context"/> gives the context).</summary>
    public TargetSpec Protect(TargetSpec target, Func<string, SecretContext> context) =>
        target.MapSecrets((field, value) => Protect(value, context(field)));

    /// <summary>A copy of a stored target with its secrets in clear, for the moment of delivery.</summary>
    /// <exception cref="SecretUnreadableException">A secret does not decrypt for its field.</exception>
    public TargetSpec Reveal(TargetSpec stored, Func<string, SecretContext> context) =>
        stored.MapSecrets((field, value) => Reveal(value, context(field)));

    /// <summary>The clear secrets of a stored target by field, leaving out those that do not decrypt (a write keeping <c>***</c> must resend them).</summary>
    public Dictionary<string, string> RevealReadable(TargetSpec stored, Func<string, SecretContext> context)
    {
        var clear = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (field, value) in stored.Secrets())
        {
            try
            {
                clear[field] = Reveal(value, context(field));
            }
            catch (SecretUnreadableException)
            {
                // Left out: keeping it is refused with a message that asks for the value.
            }
        }
        return clear;
    }

    /// <summary>
    /// For the migrate step: <paramref name="stored"/> in the current form (v2 under the active key) for <paramref name="context"/>,
    /// or null when it already is. A v1 value is decrypted without associated data (its format has none) and bound to the
    /// context of the row it is stored in; a value from before encryption is encrypted; a v2 value under a previous key moves
    /// to the active one, so that the previous key can be retired.
    /// </summary>
    /// <exception cref="SecretUnreadableException">It does not decrypt with any configured key (or not for this context).</exception>
    public string? Reencrypt(string stored, SecretContext context)
    {
        if (stored.StartsWith(Prefix + _active.Id + ":", StringComparison.Ordinal))
        {
            return null;
        }
        var plain = stored.StartsWith(LegacyPrefix, StringComparison.Ordinal) ? Decrypt(stored[LegacyPrefix.Length..], null, context)
            : Reveal(stored, context);
        return Protect(plain, context);
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

    private string Decrypt(string rest, byte[]? associatedData, SecretContext context)
    {
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !_keys.TryGetValue(rest[..colon], out var key))
        {
            throw new SecretUnreadableException($"the secret in {context.Describe()} was encrypted with key '{(colon < 0 ? "?" : rest[..colon])}', " +
                "which is not configured (Secrets:Key or Secrets:PreviousKeys)", retryable: colon >= 0);
        }
        var sealedBytes = new byte[(rest.Length - colon) * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(rest[(colon + 1)..], sealedBytes, out var size) || size < NonceSize + TagSize)
        {
            throw new SecretUnreadableException($"the secret in {context.Describe()} is not well-formed ciphertext");
        }
        var length = size - NonceSize - TagSize;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length, TagSize), plain,
                associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretUnreadableException($"the secret in {context.Describe()} does not decrypt for it: it was encrypted for another tenant, " +
                "object or field (copied or moved in the database) or altered; set the secret again");
        }
        return Encoding.UTF8.GetString(plain);
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

/// <summary>
/// A stored secret that cannot be decrypted for where it is read. The message names the field and its owner, never a value,
/// so it can go into an execution's error.
/// </summary>
/// <param name="retryable">Whether a later attempt may read it: a v1 value once the migrate step has run, a key once it is
/// configured. Never for one encrypted for another context, which no attempt will read.</param>
public sealed class SecretUnreadableException(string message, bool retryable = false) : CryptographicException(message)
{
    public bool Retryable { get; } = retryable;
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
