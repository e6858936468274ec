using System.Net;
using Scheduler.Common.Security;

namespace Scheduler.Common.Tests;

public class EgressPolicyTests
{
    [Theory]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.0.0.8", "reserved")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("fc00::1", "unique local")]
    [InlineData("fd12:3456::1", "unique local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::ffff:10.0.0.1", "private")]
    public void Internal_addresses_are_refused_with_the_reason(string address, string reason)
    {
        var refusal = EgressPolicy.Strict.Refusal(IPAddress.Parse(address));
        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_pass(string address) => Assert.Null(EgressPolicy.Strict.Refusal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook", "loopback")]
    [InlineData("http://[::1]/hook", "loopback")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://[::ffff:a9fe:a9fe]/", "link-local")]
    [InlineData("http://0x7f000001/", "loopback")]
    [InlineData("http://2130706433/", "loopback")]
    [InlineData("http://localhost:5003/echo", "loopback name")]
    [InlineData("http://api.localhost/", "loopback name")]
    // Issue 14: a fully qualified literal (trailing dot) resolves to the same address; Uri leaves it uncanonicalised.
    [InlineData("http://169.254.169.254./latest/meta-data/", "link-local")]
    [InlineData("http://127.0.0.1.:8080/", "loopback")]
    [InlineData("http://2130706433./", "loopback")]
    [InlineData("http://0x7f.0.0.1./", "loopback")]
    [InlineData("http://0251.0376.0251.0376./", "link-local")]
    [InlineData("http://10.1./", "private")]
    [InlineData("http://localhost./", "loopback name")]
    [InlineData("ftp://files.example.com/", "only http and https")]
    public void Urls_known_to_be_internal_are_refused_when_written(string url, string reason)
    {
        var refusal = EgressPolicy.Strict.Refusal(new Uri(url));
        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_pass_when_written_and_are_checked_when_connecting() =>
        Assert.Null(EgressPolicy.Strict.Refusal(new Uri("https://internal-looking.example.com/hook")));

    [Fact]
    public void The_allow_list_takes_hosts_suffixes_addresses_and_networks()
    {
        var policy = new EgressPolicy(["echo.internal", "*.corp.example", "127.0.0.1", "10.20.0.0/16", "fd00::/8", " "]);
        Assert.Null(policy.Refusal(new Uri("http://echo.internal:5003/")));
        Assert.Null(policy.Refusal(new Uri("http://a.b.corp.example/")));
        Assert.True(policy.AllowsHost("ECHO.INTERNAL."));
        Assert.False(policy.AllowsHost("corp.example.evil.com"));
        Assert.Null(policy.Refusal(IPAddress.Parse("127.0.0.1")));
        Assert.NotNull(policy.Refusal(IPAddress.Parse("127.0.0.2")));
        Assert.Null(policy.Refusal(IPAddress.Parse("10.20.3.4")));
        Assert.NotNull(policy.Refusal(IPAddress.Parse("10.21.3.4")));
        Assert.Null(policy.Refusal(IPAddress.Parse("fd00::5")));
        Assert.Null(policy.Refusal(IPAddress.Parse("::ffff:127.0.0.1")));
    }
}
