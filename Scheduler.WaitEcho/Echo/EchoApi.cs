using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Delivery;
using Scheduler.Common.Security;
using Scheduler.Common.Time;

namespace Scheduler.WaitEcho.Echo;

/// <summary>
/// <c>/echo</c> records every request. Query knobs make it misbehave: <c>delay=5s</c> answers late,
/// <c>fail=500</c> answers with that status, <c>failRate=0.3</c> fails that share at random,
/// <c>failFirst=2</c> fails the first two attempts of each execution id, <c>redirect=URL</c> answers 302 to that URL.
/// </summary>
public static class EchoApi
{
    private const int MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapEchoApi(this IEndpointRouteBuilder app)
    {
        app.Map("/echo/{**path}", Echo).WithName("Echo").WithSummary("Records the request; see the query knobs to make it slow or fail.");
        app.Map("/work/{**path}", Work).WithName("Work")
            .WithSummary("Records the trigger, answers 202 and works on it as a worker: for=2s, heartbeat=500ms, outcome=fail, failFirst=1, failWhile=<flag>, silent=true, ignoreCancel=true.");
        app.MapGet("/work/reports", (Work.Worker worker, string? executionId) => TypedResults.Ok(worker.Reports(executionId)))
            .WithName("WorkReports").WithSummary("The reports WaitEcho sent as a worker, and the answers it got.");
        app.MapPut("/work/flags/{name}", (Work.Worker worker, string name) =>
        {
            worker.SetFlag(name, raised: true);
            return TypedResults.NoContent();
        }).WithName("RaiseWorkFlag").WithSummary("Raises a flag: work with failWhile=<name> fails until it is lowered (a bug, until its fix is deployed).");
        app.MapDelete("/work/flags/{name}", (Work.Worker worker, string name) =>
        {
            worker.SetFlag(name, raised: false);
            return TypedResults.NoContent();
        }).WithName("LowerWorkFlag");
        app.MapGet("/received", Received).WithName("Received").WithSummary("What arrived, oldest first; filter by scheduleId or executionId.");
        app.MapGet("/received/summary", (ReceivedLog log, string? scheduleId) => TypedResults.Ok(log.Summarize(scheduleId)))
            .WithName("ReceivedSummary").WithSummary("How many arrived, how many distinct executions, how many early, and lateness percentiles.");
        app.MapDelete("/received", (ReceivedLog log) =>
        {
            log.Clear();
            return TypedResults.NoContent();
        }).WithName("ClearReceived");
        return app;
    }

    private static async Task<IResult> Echo(HttpContext context, ReceivedLog log, TimeProvider time, FailureCounter failures, ILoggerFactory loggers,
        IConfiguration configuration)
    {
        var request = context.Request;
        var (trigger, headers, bytes) = await ReadTriggerAsync(context, time);
        var status = ChooseStatus(request.Query, trigger.ExecutionId, failures);
        var secret = configuration["WaitEcho:SigningSecret"];
        var entry = log.Add(trigger with
        {
            Signature = string.IsNullOrEmpty(secret) ? null : WebhookSignature.Verify(secret, headers.GetValueOrDefault(TriggerHeaders.WebhookId),
                headers.GetValueOrDefault(TriggerHeaders.WebhookTimestamp), headers.GetValueOrDefault(TriggerHeaders.WebhookSignature), bytes,
                trigger.ReceivedAt, TimeSpan.FromMinutes(5)),
            Method = request.Method,
            Path = request.Path.Value ?? "",
            Query = request.QueryString.Value ?? "",
            ResponseStatus = status,
        });
        loggers.CreateLogger("WaitEcho").LogInformation(
            "#{Sequence} {Method} {Path} execution {ExecutionId} attempt {Attempt}, {Lateness:0.0} ms late -> {Status}",
            entry.Sequence, entry.Method, entry.Path, entry.ExecutionId, entry.Attempt, entry.LatenessMs, status);

        if (status == StatusCodes.Status302Found)
        {
            return TypedResults.Redirect(request.Query["redirect"].ToString());
        }
        if (request.Query.TryGetValue("delay", out var delayText) && Durations.TryParse(delayText, out var delay, out _))
        {
            await Task.Delay(delay, time, context.RequestAborted);
        }
        return TypedResults.Json(new { received = entry.Sequence, status }, statusCode: status);
    }

    private static async Task<IResult> Work(HttpContext context, ReceivedLog log, TimeProvider time, Work.Worker worker)
    {
        var request = context.Request;
        var (trigger, headers, _) = await ReadTriggerAsync(context, time);
        var entry = log.Add(trigger with
        {
            Method = request.Method,
            Path = request.Path.Value ?? "",
            Query = request.QueryString.Value ?? "",
            ResponseStatus = StatusCodes.Status202Accepted,
        });
        var logsUrl = $"{request.Scheme}://{request.Host}/received?executionId={entry.ExecutionId}";
        var working = worker.TryStart(headers, global::Scheduler.WaitEcho.Work.WorkOrder.FromQuery(request.Query), logsUrl);
        return TypedResults.Json(new { received = entry.Sequence, working }, statusCode: StatusCodes.Status202Accepted);
    }

    private static int ChooseStatus(IQueryCollection query, string? executionId, FailureCounter failures)
    {
        if (Uri.TryCreate(query["redirect"], UriKind.Absolute, out _))
        {
            return StatusCodes.Status302Found;
        }
        var failStatus = int.TryParse(query["fail"], CultureInfo.InvariantCulture, out var f) && f is >= 400 and <= 599 ? f : 500;
        if (query.ContainsKey("fail") && !query.ContainsKey("failFirst") && !query.ContainsKey("failRate"))
        {
            return failStatus;
        }
        if (int.TryParse(query["failFirst"], CultureInfo.InvariantCulture, out var failFirst) &&
            failures.Increment(executionId ?? "") <= failFirst)
        {
            return failStatus;
        }
        if (double.TryParse(query["failRate"], CultureInfo.InvariantCulture, out var rate) && Random.Shared.NextDouble() < rate)
        {
            return failStatus;
        }
        return StatusCodes.Status200OK;
    }

    private static Ok<IReadOnlyList<ReceivedTrigger>> Received(ReceivedLog log, string? scheduleId, string? executionId, long? after, int? limit) =>
        TypedResults.Ok(log.Find(scheduleId, executionId, after ?? 0, Math.Clamp(limit ?? 10_000, 1, log.Capacity)));

    /// <summary>What an HTTP request says about the trigger it carries, with its headers (lower-cased names) and raw body.</summary>
    private static async Task<(ReceivedTrigger Trigger, Dictionary<string, string> Headers, byte[] Body)> ReadTriggerAsync(HttpContext context, TimeProvider time)
    {
        var receivedAt = time.GetUtcNow();
        var bytes = await ReadBodyAsync(context.Request, context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return (ReceivedTrigger.FromHeaders("http", receivedAt, headers, Encoding.UTF8.GetString(bytes)), headers, bytes);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Triggers are small: keep the first 256 KiB, enough to check any signature the scheduler makes. The chunk is pooled
        // (a fresh 16 KiB per request was three quarters of all WaitEcho allocated under a burst).
        using var buffer = new MemoryStream(request.ContentLength is > 0 and <= MaxBodyBytes ? (int)request.ContentLength : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0 && buffer.Length < MaxBodyBytes)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }
}

/// <summary>Counts attempts per execution id, for the <c>failFirst</c> knob.</summary>
public sealed class FailureCounter
{
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public int Increment(string key) => _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
}
