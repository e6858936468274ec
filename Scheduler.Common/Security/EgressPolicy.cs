using System.Net;
using System.Net.Sockets;

namespace Scheduler.Common.Security;

/// <summary>
/// Which addresses webhooks may reach. Loopback, private, link-local (cloud metadata at 169.254.169.254),
/// carrier-grade NAT, multicast, unspecified and reserved ranges, and their IPv6 forms, are refused unless
/// <see cref="EgressOptions.Allow"/> lists the host name or a network that contains the address.
/// The API checks what it can know when a schedule is written (IP literals, <c>localhost</c>); the executor
/// checks every resolved address when it connects, which also defeats DNS rebinding.
/// </summary>
public sealed class EgressPolicy
{
    private static readonly (IPNetwork Network, string Reason)[] Refused =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "an unspecified ('this network') address"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private address"),
        (IPNetwork.Parse("100.64.0.0/10"), "a carrier-grade NAT address"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback address"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local address (cloud metadata services live here)"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private address"),
        (IPNetwork.Parse("192.0.0.0/24"), "a reserved (IETF protocol) address"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private address"),
        (IPNetwork.Parse("198.18.0.0/15"), "a reserved (benchmarking) address"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast address"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved address"),
        (IPNetwork.Parse("::/128"), "the unspecified address"),
        (IPNetwork.Parse("::1/128"), "a loopback address"),
        (IPNetwork.Parse("fc00::/7"), "a private (unique local) address"),
        (IPNetwork.Parse("fe80::/10"), "a link-local address"),
        (IPNetwork.Parse("fec0::/10"), "a site-local address"),
        (IPNetwork.Parse("ff00::/8"), "a multicast address"),
    ];

    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _domainSuffixes = [];
    private readonly List<IPNetwork> _networks = [];

    /// <param name="allow">Host names (<c>echo.internal</c>, <c>*.corp.example</c>), addresses and CIDR networks that are always allowed.</param>
    public EgressPolicy(IEnumerable<string> allow)
    {
        foreach (var entry in allow.Select(a => a.Trim()).Where(a => a.Length > 0))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                _networks.Add(network);
            }
            else if (IPAddress.TryParse(entry.Trim('[', ']'), out var address))
            {
                address = Normalize(address);
                _networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (entry.StartsWith("*.", StringComparison.Ordinal))
            {
                _domainSuffixes.Add(entry[1..]);
            }
            else
            {
                _hosts.Add(entry.TrimEnd('.'));
            }
        }
    }

    /// <summary>Refuses every internal range; allows nothing extra.</summary>
    public static EgressPolicy Strict { get; } = new([]);

    /// <summary>True when the host name is allow-listed, so whatever it resolves to may be reached.</summary>
    public bool AllowsHost(string host)
    {
        host = host.TrimEnd('.');
        return _hosts.Contains(host) || _domainSuffixes.Any(s => host.EndsWith(s, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Why the address may not be reached, or null when it may.</summary>
    public string? Refusal(IPAddress address)
    {
        address = Normalize(address);
        if (_networks.Any(n => n.Contains(address)))
        {
            return null;
        }
        foreach (var (network, reason) in Refused)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return $"{address} is {reason}";
            }
        }
        return null;
    }

    /// <summary>
    /// Why a webhook URL is refused, as far as can be known without resolving its name; null when it passes
    /// (names are checked again, address by address, at connect time).
    /// </summary>
    public string? Refusal(Uri url)
    {
        if (url.Scheme is not ("http" or "https"))
        {
            return "only http and https URLs are allowed";
        }
        var host = url.IdnHost.TrimEnd('.');
        if (AllowsHost(host))
        {
            return null;
        }
        if (LiteralAddress(host) is { } address)
        {
            return Refusal(address) is { } reason ? $"{reason}; allow-list it in Egress:Allow to call it" : null;
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return $"{host} is a loopback name; allow-list it in Egress:Allow to call it";
        }
        return null;
    }

    /// <summary>
    /// The address a host names literally, however it is spelled (<c>[::1]</c>, <c>2130706433</c>, <c>0x7f.1</c>, and
    /// with the trailing dot of a fully qualified name, which resolvers ignore); null for a name. The write-time and
    /// the connect-time checks both read hosts through this, so no spelling passes one and not the other.
    /// </summary>
    public static IPAddress? LiteralAddress(string host)
    {
        var text = host.Trim('[', ']').TrimEnd('.');
        return text.Length > 0 && IPAddress.TryParse(text, out var address) ? address : null;
    }

    // ::ffff:10.0.0.1 reaches 10.0.0.1: judge the IPv4 address it stands for.
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

/// <summary>The <c>Egress</c> configuration section, shared by the API (checks at write time) and executors (at connect time).</summary>
public sealed class EgressOptions
{
    public const string Section = "Egress";

    /// <summary>Host names, <c>*.domain</c> suffixes, addresses and CIDR networks webhooks may reach even though they are internal.</summary>
    public List<string> Allow { get; set; } = [];
}

/// <summary>A webhook's address is refused by the <see cref="EgressPolicy"/>.</summary>
public sealed class EgressRefusedException(string message) : Exception(message);
