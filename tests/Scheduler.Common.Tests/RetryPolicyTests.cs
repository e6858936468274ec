using Scheduler.Common.Retry;

namespace Scheduler.Common.Tests;

public class RetryPolicyTests
{
    private readonly RetryPolicy _policy = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    [Fact]
    public void Gaps_grow_whatever_the_jitter()
    {
        // Until the cap (1 s × 2^8 = 256 s < 5 min): the longest possible wait after one failure never
        // exceeds the shortest after the next.
        for (var attempt = 1; attempt < 9; attempt++)
        {
            Assert.True(_policy.NextDelay(attempt, 0.999999) <= _policy.NextDelay(attempt + 1, 0));
        }
    }

    [Fact]
    public void Waits_are_capped()
    {
        Assert.InRange(_policy.NextDelay(40, 0.999999999), TimeSpan.FromMinutes(4.99), TimeSpan.FromMinutes(5));
        Assert.InRange(_policy.NextDelay(40, 0), TimeSpan.FromMinutes(2.5), TimeSpan.FromMinutes(2.5));
    }

    [Fact]
    public void Retry_after_is_honoured_up_to_an_hour()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), _policy.NextDelay(1, 0.5, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromHours(1), _policy.NextDelay(1, 0.5, TimeSpan.FromDays(1)));
    }
}
