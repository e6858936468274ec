using Scheduler.Common.Security;

namespace Scheduler.Testing;

/// <summary>
/// Settings every test host shares: one encryption key for stored secrets, an egress allow-list for the
/// loopback targets the tests run (WaitEcho), and the bootstrap admin key of the API.
/// </summary>
public static class TestSettings
{
    /// <summary>The tenant the admin key belongs to.</summary>
    public const string Tenant = "default";

    public static readonly string SecretKey = SecretBox.NewKey();

    public static readonly string AdminKey = "test-admin-" + Guid.NewGuid().ToString("N");

    public static SecretBox Secrets { get; } = new(SecretKey);

    /// <summary>As configuration keys (<c>Secrets:Key</c>…).</summary>
    public static IReadOnlyDictionary<string, string> Configuration { get; } = new Dictionary<string, string>
    {
        ["Secrets:Key"] = SecretKey,
        ["Egress:Allow:0"] = "127.0.0.1",
        ["Egress:Allow:1"] = "localhost",
        ["Auth:BootstrapKey"] = AdminKey,
        ["Auth:BootstrapTenant"] = Tenant,
        // Tests send bursts no client would; the limiter has tests of its own.
        ["Limits:RequestsPerSecond"] = "100000",
        ["Limits:Burst"] = "100000",
    };

    /// <summary>As command-line arguments (<c>--Secrets:Key=…</c>), for hosts built in-process.</summary>
    public static IEnumerable<string> Arguments => Configuration.Select(s => $"--{s.Key}={s.Value}");

    /// <summary>As environment variables (<c>Secrets__Key</c>…), for host processes.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } =
        Configuration.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
}
