using System.Security.Cryptography;
using System.Text;
using Scheduler.Common.Security;
using Scheduler.Testing;

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

    private static readonly SecretContext Ours = SecretContext.ScheduleTarget("team-a", Guid.CreateVersion7(), "target.headers.Authorization");

    [Fact]
    public void Secrets_round_trip_differ_each_time_and_survive_key_rotation()
    {
        var oldKey = SecretBox.NewKey();
        var old = new SecretBox(oldKey);
        var stored = old.Protect("Bearer hunter2", Ours);
        Assert.StartsWith($"enc:v2:{old.ActiveKeyId}:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stored, StringComparison.Ordinal);
        Assert.NotEqual(stored, old.Protect("Bearer hunter2", Ours));
        Assert.Equal("Bearer hunter2", old.Reveal(stored, Ours));
        Assert.Equal("plain from before encryption", old.Reveal("plain from before encryption", Ours));

        var rotated = new SecretBox(SecretBox.NewKey(), [oldKey]);
        Assert.Equal("Bearer hunter2", rotated.Reveal(stored, Ours));
        Assert.Contains("not configured", Assert.Throws<SecretUnreadableException>(() => new SecretBox(SecretBox.NewKey()).Reveal(stored, Ours)).Message,
            StringComparison.Ordinal);

        var tampered = stored[..^4] + (stored[^4] == 'A' ? 'B' : 'A') + stored[^3..];
        Assert.Throws<SecretUnreadableException>(() => old.Reveal(tampered, Ours));
        Assert.Throws<InvalidOperationException>(() => new SecretBox("too-short"));
    }

    [Fact]
    public void Text_that_looks_like_ciphertext_is_encrypted_as_the_literal_it_is()
    {
        var box = new SecretBox(SecretBox.NewKey());
        var theirs = box.Protect("their token", SecretContext.NamedSecret("team-b", Guid.CreateVersion7()));
        foreach (var lookalike in new[] { theirs, LegacyV1.Encrypt(TestKey, "their token"), "enc:v2:" })
        {
            var stored = box.Protect(lookalike, Ours);
            Assert.NotEqual(lookalike, stored);
            Assert.Equal(lookalike, box.Reveal(stored, Ours));
        }
    }

    private static readonly Guid Schedule = Guid.CreateVersion7();
    private static readonly SecretContext Owner = SecretContext.ScheduleTarget("team-a", Schedule, "target.headers.Authorization");

    public static TheoryData<string, SecretContext> OtherContexts()
    {
        var schedule = Schedule;
        var owner = Owner;
        return new()
        {
            { "another tenant", owner with { Tenant = "team-b" } },
            { "another schedule", SecretContext.ScheduleTarget("team-a", Guid.CreateVersion7(), "target.headers.Authorization") },
            { "another field", SecretContext.ScheduleTarget("team-a", schedule, "target.headers.X-Api-Key") },
            { "a named secret of the same id", SecretContext.NamedSecret("team-a", schedule) },
            { "a workflow step", SecretContext.WorkflowStepTarget("team-a", schedule, "a", "target.headers.Authorization") },
            { "a data protection key", SecretContext.DataProtectionKey },
            // The parts are length-prefixed: moving a '|' from one part to the next is another context.
            { "shifted parts", new SecretContext("team-a|schedule", "", owner.Owner, owner.Field) },
        };
    }

    [Theory]
    [MemberData(nameof(OtherContexts))]
    public void A_ciphertext_read_for_another_context_fails_naming_the_field_and_not_the_value(string other, SecretContext context)
    {
        var box = new SecretBox(SecretBox.NewKey());
        var stored = box.Protect("Bearer hunter2", Owner);
        Assert.Equal("Bearer hunter2", box.Reveal(stored, Owner));
        var refused = Assert.Throws<SecretUnreadableException>(() => box.Reveal(stored, context));
        Assert.True(refused.Message.Contains("does not decrypt for it", StringComparison.Ordinal), $"{other}: {refused.Message}");
        Assert.Contains(context.Field, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("team-a", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_names_are_one_field_whatever_their_case()
    {
        var box = new SecretBox(SecretBox.NewKey());
        var schedule = Guid.CreateVersion7();
        var stored = box.Protect("Bearer hunter2", SecretContext.ScheduleTarget("team-a", schedule, "target.headers.Authorization"));
        Assert.Equal("Bearer hunter2", box.Reveal(stored, SecretContext.ScheduleTarget("team-a", schedule, "target.headers.authorization")));
    }

    [Fact]
    public void V1_values_are_no_longer_revealed_and_reencrypt_into_v2_bound_to_their_row_under_the_active_key()
    {
        var v1 = LegacyV1.Encrypt(TestKey, "Bearer hunter2");
        var box = new SecretBox(SecretBox.NewKey(), [TestKey]);
        var refused = Assert.Throws<SecretUnreadableException>(() => box.Reveal(v1, Ours));
        Assert.Contains("v1 format", refused.Message, StringComparison.Ordinal);
        Assert.Contains("migrate", refused.Message, StringComparison.Ordinal);

        var current = box.Reencrypt(v1, Ours)!;
        Assert.StartsWith($"enc:v2:{box.ActiveKeyId}:", current, StringComparison.Ordinal);
        Assert.Equal("Bearer hunter2", box.Reveal(current, Ours));
        Assert.Null(box.Reencrypt(current, Ours));
        // Plain values from before encryption are encrypted; v2 under a previous key moves to the active one.
        Assert.Equal("plain", box.Reveal(box.Reencrypt("plain", Ours)!, Ours));
        var underOld = new SecretBox(TestKey).Protect("Bearer old", Ours);
        Assert.StartsWith($"enc:v2:{box.ActiveKeyId}:", box.Reencrypt(underOld, Ours), StringComparison.Ordinal);
        // A v2 value in the wrong row is not laundered by the re-encryption.
        Assert.Throws<SecretUnreadableException>(() => box.Reencrypt(underOld, Ours with { Tenant = "team-b" }));
        Assert.Throws<SecretUnreadableException>(() => new SecretBox(SecretBox.NewKey()).Reencrypt(v1, Ours));
    }

    private static readonly string TestKey = SecretBox.NewKey();
}
