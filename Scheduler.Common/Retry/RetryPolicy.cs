namespace Scheduler.Common.Retry;

/// <summary>
/// Exponential backoff with "equal jitter": the n-th failure waits between half and all of
/// <c>initial × 2^(n-1)</c> (capped), so gaps grow while retries of many executions spread out.
/// </summary>
public sealed record RetryPolicy(TimeSpan InitialBackoff, TimeSpan MaxBackoff)
{
    /// <summary>A <c>Retry-After</c> longer than this is not honoured beyond it.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    public static RetryPolicy Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    /// <param name="failedAttempt">1 for the first failure.</param>
    /// <param name="random">A uniform sample in [0, 1).</param>
    /// <param name="retryAfter">The target's <c>Retry-After</c>, when it sent one.</param>
    public TimeSpan NextDelay(int failedAttempt, double random, TimeSpan? retryAfter = null)
    {
        var exponent = Math.Clamp(failedAttempt - 1, 0, 30);
        var ceiling = Math.Min(InitialBackoff.TotalMilliseconds * Math.Pow(2, exponent), MaxBackoff.TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds(ceiling / 2 + ceiling / 2 * random);
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked < MaxRetryAfter ? asked : MaxRetryAfter;
        }
        return delay;
    }
}
