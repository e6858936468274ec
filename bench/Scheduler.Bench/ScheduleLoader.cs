using Npgsql;
using NpgsqlTypes;

namespace Scheduler.Bench;

/// <summary>Loads one-shot schedules with COPY: the fastest way to put 100,000s of due triggers in place.</summary>
internal static class ScheduleLoader
{
    public static Task LoadOneShotsAsync(NpgsqlDataSource dataSource, int count, Func<int, DateTimeOffset> fireAt, string targetUrl, string prefix) =>
        LoadOneShotsWithTargetAsync(dataSource, count, fireAt, WebhookTarget(targetUrl), prefix);

    /// <summary>A stored webhook target's JSON (POST, no headers, 3 s), as the API writes it.</summary>
    public static string WebhookTarget(string url) => $$"""{"type":"webhook","url":"{{url}}","method":"POST","headers":{},"timeout":"PT3S"}""";

    /// <param name="target">The stored target's JSON, as the API writes it.</param>
    public static async Task LoadOneShotsWithTargetAsync(NpgsqlDataSource dataSource, int count, Func<int, DateTimeOffset> fireAt, string target, string prefix)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await WriteOneShotsAsync(connection, count, fireAt, target, prefix);
        await AnalyzeAsync(connection);
    }

    /// <summary>The COPY itself, in whatever transaction <paramref name="connection"/> is in.</summary>
    public static async Task WriteOneShotsAsync(NpgsqlConnection connection, int count, Func<int, DateTimeOffset> fireAt, string target, string prefix)
    {
        var now = DateTimeOffset.UtcNow;
        await using var copy = await connection.BeginBinaryImportAsync(
            "copy schedules (id, tenant, name, kind, run_at, target, max_attempts, state, next_fire_at, created_at, updated_at) from stdin (format binary)");
        for (var i = 0; i < count; i++)
        {
            var at = fireAt(i);
            await copy.StartRowAsync();
            await copy.WriteAsync(Guid.CreateVersion7(now), NpgsqlDbType.Uuid);
            await copy.WriteAsync("default", NpgsqlDbType.Text);
            await copy.WriteAsync($"{prefix}-{i:D7}", NpgsqlDbType.Text);
            await copy.WriteAsync("runAt", NpgsqlDbType.Text);
            await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
            await copy.WriteAsync(target, NpgsqlDbType.Jsonb);
            await copy.WriteAsync(5, NpgsqlDbType.Integer);
            await copy.WriteAsync("active", NpgsqlDbType.Text);
            await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
        }
        await copy.CompleteAsync();
    }

    public static async Task AnalyzeAsync(NpgsqlConnection connection)
    {
        await using var analyze = new NpgsqlCommand("analyze schedules", connection);
        await analyze.ExecuteNonQueryAsync();
    }
}
