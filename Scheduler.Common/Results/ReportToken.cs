using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Scheduler.Common.Security;

namespace Scheduler.Common.Results;

/// <summary>
/// The token a trigger carries so that its worker can report on that execution, and only that one, without an API key:
/// <c>smr_</c> + base64url(HMAC-SHA256(key, execution id)). Nothing is stored; the key is derived from <c>Secrets:Key</c>
/// (and its previous keys, so a rotation does not orphan runs in flight).
/// </summary>
public sealed class ReportToken(SecretBox secrets)
{
    public const string Prefix = "smr_";
    private const string Purpose = "scheduleman report token v1";

    private readonly IReadOnlyList<byte[]> _keys = secrets.DeriveKeys(Purpose);

    public string For(Guid executionId) => Prefix + Base64Url.EncodeToString(Mac(_keys[0], executionId));

    /// <summary>True when <paramref name="token"/> was issued for <paramref name="executionId"/> under any configured key.</summary>
    public bool IsValid(string? token, Guid executionId)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var presented = Encoding.ASCII.GetBytes(token[Prefix.Length..]);
        foreach (var key in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, Encoding.ASCII.GetBytes(Base64Url.EncodeToString(Mac(key, executionId)))))
            {
                return true;
            }
        }
        return false;
    }

    private static byte[] Mac(byte[] key, Guid executionId) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes("execution:" + executionId.ToString("D")));
}
