using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Schedules;
using Scheduler.Testing;

namespace Scheduler.Bench;

/// <summary>List and get latency through the real API process with many schedules in the table.</summary>
internal static class ApiReadsBenchmark
{
    private static readonly (string Cron, string Zone)[] Crons =
        [("0 0 17 * * MON-FRI", "Europe/London"), ("*/15 * * * *", "UTC"), ("0 30 9 * * *", "America/New_York"), ("0 0 0 1 * *", "Asia/Tokyo")];

    public static async Task<IReadOnlyList<Latencies>> RunAsync(int schedules, int requests, int concurrency)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var ids = await LoadAsync(dataSource, schedules);
        Console.WriteLine($"loaded {schedules:N0} schedules");

        var api = await cluster.StartApiAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = api };
        http.DefaultRequestHeaders.Add("X-Api-Key", TestSettings.AdminKey);
        async Task Get(string url)
        {
            using var response = await http.GetAsync(url);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        }

        // A cursor deep into the table, as a client paging far would hold.
        var deep = await http.GetFromJsonAsync<JsonObject>($"/api/v1/schedules?limit=1&name=schedule-{schedules * 9 / 10:D7}");
        var deepId = (string)deep!["items"]![0]!["id"]!;
        var deepCursor = new ScheduleCursor(ScheduleSort.Created, Guid.Parse(deepId), null).Encode();

        for (var i = 0; i < 200; i++)
        {
            await Get("/api/v1/schedules?limit=50");
        }
        var random = new Random(42);
        var results = new List<Latencies>
        {
            await Latencies.MeasureAsync("get one schedule (random id)", requests, concurrency, _ => Get($"/api/v1/schedules/{ids[random.Next(ids.Count)]}")),
            await Latencies.MeasureAsync("list first page (50)", requests, concurrency, _ => Get("/api/v1/schedules?limit=50")),
            await Latencies.MeasureAsync("list page at 90% (cursor)", requests, concurrency, _ => Get($"/api/v1/schedules?limit=50&cursor={deepCursor}")),
            await Latencies.MeasureAsync("list sorted by next fire", requests, concurrency, _ => Get("/api/v1/schedules?limit=50&sort=nextFire")),
            await Latencies.MeasureAsync("list by label team=t7", requests, concurrency, _ => Get("/api/v1/schedules?limit=50&label=team%3Dt7")),
            await Latencies.MeasureAsync("list by name contains", requests, concurrency, i => Get($"/api/v1/schedules?limit=50&name=schedule-{i % schedules:D5}")),
            await Latencies.MeasureAsync("list paused", requests, concurrency, _ => Get("/api/v1/schedules?limit=50&state=paused")),
        };
        return results;
    }

    private static async Task<List<Guid>> LoadAsync(NpgsqlDataSource dataSource, int count)
    {
        var now = DateTimeOffset.UtcNow;
        var ids = new List<Guid>(count);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy schedules (id, tenant, name, labels, kind, cron, time_zone, run_at, target, max_attempts, state, next_fire_at, created_at, updated_at) from stdin (format binary)"))
        {
            for (var i = 0; i < count; i++)
            {
                var id = Guid.CreateVersion7(now.AddMilliseconds(i));
                ids.Add(id);
                var oneShot = i % 5 == 0;
                var (cron, zone) = Crons[i % Crons.Length];
                var timing = oneShot
                    ? ScheduleTiming.ForRunAt(now.AddMinutes(10 + i % 100_000))
                    : ScheduleTiming.ForCron(CronSchedule.Parse(cron, zone));
                var paused = i % 10 == 3;
                await copy.StartRowAsync();
                await copy.WriteAsync(id, NpgsqlDbType.Uuid);
                await copy.WriteAsync("default", NpgsqlDbType.Text);
                await copy.WriteAsync($"schedule-{i:D7}", NpgsqlDbType.Text);
                await copy.WriteAsync($$"""{"team":"t{{i % 20}}"}""", NpgsqlDbType.Jsonb);
                await copy.WriteAsync(oneShot ? "runAt" : "cron", NpgsqlDbType.Text);
                await WriteOrNull(copy, timing.Cron, NpgsqlDbType.Text);
                await WriteOrNull(copy, timing.TimeZone, NpgsqlDbType.Text);
                await WriteOrNull(copy, timing.RunAt, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync("""{"type":"webhook","url":"http://127.0.0.1:9/echo","method":"POST","headers":{},"timeout":"PT3S"}""", NpgsqlDbType.Jsonb);
                await copy.WriteAsync(5, NpgsqlDbType.Integer);
                await copy.WriteAsync(paused ? "paused" : "active", NpgsqlDbType.Text);
                await WriteOrNull(copy, paused ? null : timing.Occurrences().FirstFireAt(now), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
            }
            await copy.CompleteAsync();
        }
        await using var analyze = new NpgsqlCommand("analyze schedules", connection);
        await analyze.ExecuteNonQueryAsync();
        return ids;
    }

    private static Task WriteOrNull<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type) =>
        value is null ? copy.WriteNullAsync() : copy.WriteAsync(value, type);
}
