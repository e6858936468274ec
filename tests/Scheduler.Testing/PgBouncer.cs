using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;

namespace Scheduler.Testing;

/// <summary>
/// A real PgBouncer (Debian's package; <c>./test.sh</c> installs it) in transaction pooling mode in front of a test database,
/// run as its own process (as the <c>postgres</c> user when the tests run as root: PgBouncer refuses to run as root).
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/pgbouncer";

    private readonly Process _process;
    private readonly string _directory;

    private PgBouncer(Process process, string directory, string connectionString)
    {
        _process = process;
        _directory = directory;
        ConnectionString = connectionString;
    }

    /// <summary>The database through PgBouncer, as a process configured for it connects (no session reset on close).</summary>
    public string ConnectionString { get; }

    public static async Task<PgBouncer> StartAsync(string upstreamConnectionString)
    {
        Assert(File.Exists(Binary), $"{Binary} is missing: ./test.sh installs Debian's pgbouncer");
        var upstream = new NpgsqlConnectionStringBuilder(upstreamConnectionString);
        var port = Ports.Free();
        var directory = Path.Combine(Path.GetTempPath(), "scheduleman-pgbouncer-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "pgbouncer.ini");
        await File.WriteAllTextAsync(config, $"""
            [databases]
            * = host={upstream.Host} port={upstream.Port} user={upstream.Username}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = any
            pool_mode = transaction
            default_pool_size = 10
            max_client_conn = 500
            ignore_startup_parameters = extra_float_digits
            logfile = {directory}/pgbouncer.log
            """);
        var root = Environment.UserName == "root";
        if (root)
        {
            Process.Start("chown", ["-R", "postgres", directory])!.WaitForExit();
        }
        var info = root ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", Binary, config]) : new ProcessStartInfo(Binary, [config]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitFor.ConditionAsync(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                Assert(!process.HasExited, $"pgbouncer exited: {Log(directory)}");
                return false;
            }
        }, TimeSpan.FromSeconds(20), "PgBouncer to listen");
        var through = new NpgsqlConnectionStringBuilder(upstreamConnectionString) { Host = "127.0.0.1", Port = port, NoResetOnClose = true };
        return new PgBouncer(process, directory, through.ConnectionString);
    }

    /// <summary>PgBouncer's own log, for failure messages.</summary>
    public string Log() => Log(_directory);

    private static string Log(string directory) => File.Exists(Path.Combine(directory, "pgbouncer.log")) ? File.ReadAllText(Path.Combine(directory, "pgbouncer.log")) : "";

    private static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
