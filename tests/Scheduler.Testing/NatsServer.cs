using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Scheduler.Testing;

/// <summary>A real NATS server with JetStream (Debian's <c>nats-server</c>), its store in a directory of its own.</summary>
public sealed class NatsServer : BrokerProcess
{
    public const string Binary = "/usr/sbin/nats-server";

    private readonly int _monitorPort = Ports.Free();

    private NatsServer() : base("nats")
    {
    }

    public string Uri => $"nats://127.0.0.1:{Port}";

    public static async Task<NatsServer> StartAsync()
    {
        Require(File.Exists(Binary), $"{Binary} is missing: ./test.sh installs Debian's nats-server");
        var server = new NatsServer();
        await server.LaunchAsync();
        return server;
    }

    protected override ProcessStartInfo StartInfo() => new(Binary,
        ["-js", "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "-m", _monitorPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", Path.Combine(Directory, "store")]);

    protected override async Task<bool> ReadyAsync()
    {
        try
        {
            using var http = new HttpClient();
            return (await http.GetAsync($"http://127.0.0.1:{_monitorPort}/healthz?js-enabled-only=true")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Creates a file-backed stream capturing <paramref name="subjects"/>, over the server's own API (a request on a raw socket).</summary>
    public async Task CreateStreamAsync(string name, string[] subjects, TimeSpan? duplicateWindow = null)
    {
        var config = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["name"] = name, ["subjects"] = subjects, ["storage"] = "file",
            ["duplicate_window"] = (long)(duplicateWindow ?? TimeSpan.FromMinutes(2)).TotalNanoseconds,
        });
        await using var client = await RawNatsClient.ConnectAsync(Port);
        var reply = await client.RequestAsync($"$JS.API.STREAM.CREATE.{name}", config);
        Require(!reply.Contains("\"error\"", StringComparison.Ordinal), $"creating stream {name}: {reply}");
    }

    /// <summary>How many messages <paramref name="stream"/> holds, from the server's monitoring endpoint.</summary>
    public async Task<long> StreamMessagesAsync(string stream)
    {
        using var http = new HttpClient();
        var jsz = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{_monitorPort}/jsz?streams=true");
        foreach (var account in jsz.GetProperty("account_details").EnumerateArray())
        {
            foreach (var detail in account.GetProperty("stream_detail").EnumerateArray())
            {
                if (detail.GetProperty("name").GetString() == stream)
                {
                    return detail.GetProperty("state").GetProperty("messages").GetInt64();
                }
            }
        }
        return 0;
    }

    /// <summary>A subscriber over a raw TCP socket speaking NATS's text protocol: independent of the client the executor uses.</summary>
    public Task<RawNatsClient> SubscribeAsync(string subject) => RawNatsClient.SubscribeAsync(Port, subject);
}

/// <summary>One message as a raw subscriber read it: subject, headers (NATS/1.0 block) and payload.</summary>
public sealed record RawNatsMessage(string Subject, Dictionary<string, string> Headers, string Payload);

/// <summary>The NATS client protocol by hand (INFO, CONNECT, SUB, PUB, HMSG/MSG, PING/PONG): enough for a test's own reads.</summary>
public sealed class RawNatsClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly List<RawNatsMessage> _messages = [];
    private Task? _reading;

    private RawNatsClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, new UTF8Encoding(false));
    }

    public static async Task<RawNatsClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawNatsClient(tcp);
        var info = await client._reader.ReadLineAsync();
        if (info?.StartsWith("INFO ", StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException($"not a NATS server: {info}");
        }
        await client.SendAsync("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true}\r\nPING\r\n");
        while (await client._reader.ReadLineAsync() is { } line && line != "PONG")
        {
        }
        return client;
    }

    public static async Task<RawNatsClient> SubscribeAsync(int port, string subject)
    {
        var client = await ConnectAsync(port);
        await client.SendAsync($"SUB {subject} 1\r\nPING\r\n");
        while (await client._reader.ReadLineAsync() is { } line && line != "PONG")
        {
        }
        client._reading = Task.Run(client.ReadLoopAsync);
        return client;
    }

    /// <summary>The messages read so far.</summary>
    public IReadOnlyList<RawNatsMessage> Messages
    {
        get
        {
            lock (_messages)
            {
                return _messages.ToList();
            }
        }
    }

    /// <summary>A request and its reply (on an inbox of this connection).</summary>
    public async Task<string> RequestAsync(string subject, string payload)
    {
        var inbox = "_INBOX." + Guid.NewGuid().ToString("N");
        var bytes = Encoding.UTF8.GetByteCount(payload);
        await SendAsync($"SUB {inbox} 9\r\nPUB {subject} {inbox} {bytes}\r\n{payload}\r\n");
        while (await ReadMessageAsync() is { } message)
        {
            if (message.Subject == inbox)
            {
                return message.Payload;
            }
        }
        throw new IOException("the connection closed before the reply");
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await ReadMessageAsync() is { } message)
            {
                lock (_messages)
                {
                    _messages.Add(message);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }

    private async Task<RawNatsMessage?> ReadMessageAsync()
    {
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line == "PING")
            {
                await SendAsync("PONG\r\n");
                continue;
            }
            var parts = line.Split(' ');
            if (parts[0] is not ("MSG" or "HMSG"))
            {
                continue;
            }
            // MSG <subject> <sid> [reply] <bytes>; HMSG <subject> <sid> [reply] <header bytes> <total bytes>
            var total = int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture);
            var headerBytes = parts[0] == "HMSG" ? int.Parse(parts[^2], System.Globalization.CultureInfo.InvariantCulture) : 0;
            var buffer = new char[total];
            // The payload here is UTF-8 JSON and headers are ASCII: characters and bytes agree for what tests send.
            var read = 0;
            while (read < total)
            {
                var n = await _reader.ReadAsync(buffer.AsMemory(read, total - read));
                if (n == 0)
                {
                    return null;
                }
                read += n;
            }
            await _reader.ReadLineAsync();
            var text = new string(buffer);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in text[..headerBytes].Split("\r\n").Skip(1).Where(h => h.Contains(':')))
            {
                headers[header[..header.IndexOf(':')].Trim()] = header[(header.IndexOf(':') + 1)..].Trim();
            }
            return new RawNatsMessage(parts[1], headers, text[headerBytes..]);
        }
        return null;
    }

    private async Task SendAsync(string text)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await _stream.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        if (_reading is not null)
        {
            await _reading;
        }
        _reader.Dispose();
    }
}
