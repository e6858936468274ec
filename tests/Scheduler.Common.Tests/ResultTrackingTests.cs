using Scheduler.Common.Results;
using Scheduler.Common.Retry;
using Scheduler.Common.Security;

namespace Scheduler.Common.Tests;

public class ResultTrackingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_report_token_is_valid_for_its_execution_only_and_survives_a_key_rotation()
    {
        var oldKey = SecretBox.NewKey();
        var tokens = new ReportToken(new SecretBox(oldKey));
        var id = Guid.NewGuid();
        var token = tokens.For(id);
        Assert.StartsWith(ReportToken.Prefix, token, StringComparison.Ordinal);
        Assert.True(tokens.IsValid(token, id));
        Assert.False(tokens.IsValid(token, Guid.NewGuid()));
        Assert.False(tokens.IsValid(token[..^1], id));
        Assert.False(tokens.IsValid(null, id));

        // Another process with the same key (the API, restarted) accepts it; after a rotation it still does; an unrelated key does not.
        Assert.True(new ReportToken(new SecretBox(oldKey)).IsValid(token, id));
        var rotated = new ReportToken(new SecretBox(SecretBox.NewKey(), [oldKey]));
        Assert.True(rotated.IsValid(token, id));
        Assert.NotEqual(token, rotated.For(id));
        Assert.False(new ReportToken(new SecretBox(SecretBox.NewKey())).IsValid(token, id));
        // Not the encryption key itself: the token key is derived for this purpose only.
        Assert.DoesNotContain(oldKey.TrimEnd('='), token, StringComparison.Ordinal);
    }

    private static UnfinishedRun Run(string status, int attempt, int max, TimeSpan sinceDelivery, TimeSpan? heartbeat = null) =>
        new(Guid.NewGuid(), status, attempt, max, Now, Now - sinceDelivery, new Completion(TimeSpan.FromMinutes(10), heartbeat, OverlapPolicy.Allow));

    [Fact]
    public void An_unfinished_run_is_retried_under_the_policy_then_dead_lettered_with_why()
    {
        var retry = new RetryPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        var failed = RunEnding.Decide(Run("failed", 1, 3, TimeSpan.FromSeconds(5)), Now, retry, 0.5);
        Assert.Equal(("pending", (string?)null), (failed.Status, failed.EndReason));
        Assert.InRange(failed.NextAttemptAt!.Value - Now, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));

        var lastFailed = RunEnding.Decide(Run("failed", 3, 3, TimeSpan.FromSeconds(5)), Now, retry, 0.5);
        Assert.Equal(("dead", "worker-failed"), (lastFailed.Status, lastFailed.EndReason));

        // The deadline was the run timeout (10 min after delivery): timed out.
        var timedOut = RunEnding.Decide(Run("running", 1, 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)), Now, retry, 0.5);
        Assert.Equal(("dead", "timed-out", "timed-out"), (timedOut.Status, timedOut.EndReason, timedOut.RunStatus));
        // Earlier than that: the heartbeat timeout.
        var silent = RunEnding.Decide(Run("delivered", 1, 1, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), Now, retry, 0.5);
        Assert.Equal(("dead", "worker-silent"), (silent.Status, silent.EndReason));
        Assert.Contains("heartbeat timeout (PT1M)", silent.Error, StringComparison.Ordinal);

        // Asked to cancel and never acknowledged: cancelled, not retried, whatever the attempts left.
        var cancelling = RunEnding.Decide(Run("cancelling", 1, 5, TimeSpan.FromMinutes(10)), Now, retry, 0.5);
        Assert.Equal(("cancelled", "timed-out"), (cancelling.Status, cancelling.EndReason));
    }
}
