using System.Collections.Concurrent;
using Scheduler.Storage.Secrets;

namespace Scheduler.Executor.Delivery;

/// <summary>
/// The named secrets a delivery's headers use, read from the database when first needed and kept for a few seconds, so that
/// a busy schedule does not read its token once per trigger while a rotation still takes effect within <see cref="Freshness"/>.
/// Values live in memory only; they are never logged.
/// </summary>
public sealed class SecretResolver(SecretStore store, TimeProvider time)
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<(string Tenant, string Name), (string Value, DateTimeOffset ReadAt)> _cache = new();

    /// <summary>The values of <paramref name="names"/> in <paramref name="tenant"/>; a name that does not exist is absent.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ResolveAsync(string tenant, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var stale = new List<string>();
        foreach (var name in names)
        {
            if (_cache.TryGetValue((tenant, name), out var cached) && now - cached.ReadAt < Freshness)
            {
                values[name] = cached.Value;
            }
            else
            {
                stale.Add(name);
            }
        }
        if (stale.Count > 0)
        {
            var read = await store.ResolveAsync(tenant, stale, cancellationToken);
            foreach (var name in stale)
            {
                if (read.TryGetValue(name, out var value))
                {
                    values[name] = value;
                    _cache[(tenant, name)] = (value, now);
                }
                else
                {
                    _cache.TryRemove((tenant, name), out _);
                }
            }
        }
        return values;
    }
}
