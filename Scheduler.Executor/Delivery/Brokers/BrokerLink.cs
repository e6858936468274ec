using Microsoft.Extensions.Logging;

namespace Scheduler.Executor.Delivery.Brokers;

/// <summary>A broker connection could not be had: the attempt fails (and is retried) with this reason.</summary>
public sealed class BrokerUnavailableException(string message) : Exception(message);

/// <summary>
/// One long-lived client of one broker: connected on first use, shared by every delivery, and after a failed connect
/// not tried again before a backoff (1 s doubling to 30 s), so an outage costs failed attempts, not a connection
/// storm. Clients reconnect by themselves once connected; <see cref="Reset"/> drops one that cannot.
/// </summary>
public sealed class BrokerLink<T>(string name, Func<CancellationToken, Task<T>> connect, TimeProvider time, ILogger logger) : IAsyncDisposable
    where T : class, IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private Task<T>? _client;
    private DateTimeOffset _retryAt;
    private TimeSpan _backoff = TimeSpan.FromSeconds(1);
    private string? _lastError;

    public string Name => name;

    /// <exception cref="BrokerUnavailableException">Not connected, and connecting failed now or is backing off.</exception>
    public async Task<T> GetAsync(CancellationToken cancellationToken)
    {
        Task<T> client;
        lock (_lock)
        {
            if (_client is null || _client.IsFaulted)
            {
                var now = time.GetUtcNow();
                if (now < _retryAt)
                {
                    throw new BrokerUnavailableException($"broker connection '{name}' is down ({_lastError}); " +
                        $"next connection attempt in {Math.Ceiling((_retryAt - now).TotalSeconds):0} s");
                }
                _client = Task.Run(ConnectAsync);
            }
            client = _client;
        }
        return await client.WaitAsync(cancellationToken);
    }

    /// <summary>Drops <paramref name="client"/> (closed for good): the next delivery connects anew.</summary>
    public void Reset(T client)
    {
        lock (_lock)
        {
            if (_client is { IsCompletedSuccessfully: true } current && ReferenceEquals(current.Result, client))
            {
                _client = null;
            }
        }
        _ = client.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task<T> ConnectAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), time);
            var client = await connect(timeout.Token);
            lock (_lock)
            {
                _backoff = TimeSpan.FromSeconds(1);
            }
            logger.LogInformation("Connected to broker connection {Connection}", name);
            return client;
        }
        catch (Exception e) when (e is not BrokerUnavailableException)
        {
            lock (_lock)
            {
                _lastError = e.Message;
                _retryAt = time.GetUtcNow() + _backoff;
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            logger.LogWarning("Broker connection {Connection} failed to connect: {Message}", name, e.Message);
            throw new BrokerUnavailableException($"broker connection '{name}' could not connect: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task<T>? client;
        lock (_lock)
        {
            (client, _client) = (_client, null);
        }
        if (client is { IsCompletedSuccessfully: true })
        {
            await client.Result.DisposeAsync();
        }
    }
}
