using Scheduler.Common.Time;

namespace Scheduler.Common.Tests;

public class DurationsTests
{
    [Theory]
    [InlineData("PT90S", 90_000)]
    [InlineData("PT1H30M", 5_400_000)]
    [InlineData("P1D", 86_400_000)]
    [InlineData("90s", 90_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("2d", 172_800_000)]
    [InlineData("250ms", 250)]
    [InlineData("1m30s", 90_000)]
    public void Parses_iso_and_short_forms(string text, long milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var duration, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("five seconds")]
    [InlineData("-PT5S")]
    [InlineData("PT")]
    [InlineData("5x")]
    [InlineData("99999999999999999999d")]
    public void Rejects_what_is_not_a_duration_with_a_reason(string text)
    {
        Assert.False(Durations.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Formats_as_iso_8601() => Assert.Equal("PT3S", Durations.Format(TimeSpan.FromSeconds(3)));

    [Theory]
    [InlineData("PT5S", "5s")]
    [InlineData("PT1H30M", "1h30m")]
    [InlineData("P2DT3H", "2d3h")]
    [InlineData("PT0.25S", "250ms")]
    [InlineData("P10DT1M2.005S", "10d1m2s5ms")]
    [InlineData("PT0S", "0s")]
    public void Reads_for_people_in_the_short_form_that_parses_back(string iso, string expected)
    {
        var duration = Durations.Parse(iso);
        Assert.Equal(expected, Durations.Brief(duration));
        Assert.Equal(duration, Durations.Parse(Durations.Brief(duration)));
    }

    [Fact]
    public void A_duration_finer_than_a_millisecond_stays_iso_8601() =>
        Assert.Equal("PT0.0001S", Durations.Brief(TimeSpan.FromTicks(1000)));
}
