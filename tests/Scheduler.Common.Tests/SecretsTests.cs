using System.Security.Cryptography;
using System.Text;
using Scheduler.Common.Security;

namespace Scheduler.Common.Tests;

public class SecretsTests
{
    [Fact]
    public void Signatures_match_the_standard_webhooks_reference_vector()
    {
        // From the Standard Webhooks specification's reference libraries.
        var signature = WebhookSignature.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
            Encoding.UTF8.GetBytes("""{"test": 2432232314}"""));
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void Verification_accepts_any_matching_signature_and_refuses_tampering_and_replays()
    {
        var secret = WebhookSignature.NewSecret();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var body = Encoding.UTF8.GetBytes("""{"a":1}""");
        var good = WebhookSignature.Sign(secret, "id-1", now.ToUnixTimeSeconds(), body);
        var ts = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("valid", WebhookSignature.Verify(secret, "id-1", ts, $"v1,AAAA {good}", body, now, TimeSpan.FromMinutes(5)));
        Assert.Equal("invalid", WebhookSignature.Verify(secret, "id-2", ts, good, body, now, TimeSpan.FromMinutes(5)));
        Assert.Equal("invalid", WebhookSignature.Verify(secret, "id-1", ts, good, Encoding.UTF8.GetBytes("""{"a":2}"""), now, TimeSpan.FromMinutes(5)));
        Assert.Equal("invalid", WebhookSignature.Verify(WebhookSignature.NewSecret(), "id-1", ts, good, body, now, TimeSpan.FromMinutes(5)));
        Assert.Equal("stale", WebhookSignature.Verify(secret, "id-1", ts, good, body, now.AddMinutes(6), TimeSpan.FromMinutes(5)));
        Assert.Equal("missing", WebhookSignature.Verify(secret, "id-1", ts, null, body, now, TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData("secret", "must start with 'whsec_'")]
    [InlineData("whsec_not base64!", "not base64")]
    [InlineData("whsec_c2hvcnQ=", "24–64 bytes")]
    public void Bad_signing_secrets_are_explained(string secret, string reason) => Assert.Contains(reason, WebhookSignature.Problem(secret), StringComparison.Ordinal);

    [Fact]
    public void Secrets_round_trip_differ_each_time_and_survive_key_rotation()
    {
        var oldKey = SecretBox.NewKey();
        var old = new SecretBox(oldKey);
        var stored = old.Protect("Bearer hunter2");
        Assert.StartsWith("enc:v1:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stored, StringComparison.Ordinal);
        Assert.NotEqual(stored, old.Protect("Bearer hunter2"));
        Assert.Equal(stored, old.Protect(stored));
        Assert.Equal("Bearer hunter2", old.Reveal(stored));
        Assert.Equal("plain from before encryption", old.Reveal("plain from before encryption"));

        var rotated = new SecretBox(SecretBox.NewKey(), [oldKey]);
        Assert.Equal("Bearer hunter2", rotated.Reveal(stored));
        Assert.Throws<CryptographicException>(() => new SecretBox(SecretBox.NewKey()).Reveal(stored));

        var tampered = stored[..^4] + (stored[^4] == 'A' ? 'B' : 'A') + stored[^3..];
        Assert.ThrowsAny<CryptographicException>(() => old.Reveal(tampered));
        Assert.Throws<InvalidOperationException>(() => new SecretBox("too-short"));
    }
}
