using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json.Nodes;
using Scheduler.Common.Delivery;

namespace Scheduler.WaitEcho.Work;

/// <summary>One report WaitEcho sent as a worker, and what the scheduler answered.</summary>
/// <param name="SentAt">When the answer came.</param>
/// <param name="StartedAt">When the (last) try of it was sent.</param>
public sealed record SentReport(string ExecutionId, int Attempt, string Status, int ResponseStatus, bool Cancel, DateTimeOffset SentAt, DateTimeOffset StartedAt);

/// <summary>
/// WaitEcho as a worker: a trigger carrying a callback address starts a run that reports back through it — heartbeats, then
/// success or failure — on WaitEcho's clock. Every report and its answer is kept for <c>/work/reports</c>.
/// </summary>
public sealed class Worker(IHttpClientFactory clients, TimeProvider time, IConfiguration configuration, ILogger<Worker> logger)
{
    private const int ReportTries = 20;

    private readonly ConcurrentQueue<SentReport> _reports = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentDictionary<string, bool> _flags = new(StringComparer.Ordinal);

    /// <summary>Raises or lowers a flag that <see cref="WorkOrder.FailWhile"/> names.</summary>
    public void SetFlag(string name, bool raised)
    {
        if (raised)
        {
            _flags[name] = true;
        }
        else
        {
            _flags.TryRemove(name, out _);
        }
    }
    private readonly string _codeVersion = configuration["WaitEcho:CodeVersion"] ??
        typeof(Worker).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public IReadOnlyList<SentReport> Reports(string? executionId) =>
        _reports.Where(r => executionId is null || r.ExecutionId == executionId).ToList();

    /// <summary>Starts working on a trigger when it carries a callback; returns false when it does not.</summary>
    public bool TryStart(IReadOnlyDictionary<string, string> headers, WorkOrder order, string? logsUrl)
    {
        if (headers.GetValueOrDefault(TriggerHeaders.CallbackUrl) is not { } url || headers.GetValueOrDefault(TriggerHeaders.ReportToken) is not { } token)
        {
            return false;
        }
        var executionId = headers.GetValueOrDefault(TriggerHeaders.WebhookId) ?? headers.GetValueOrDefault(TriggerHeaders.ExecutionId) ?? "";
        var attempt = int.TryParse(headers.GetValueOrDefault(TriggerHeaders.Attempt), out var a) ? a : 0;
        _ = Task.Run(() => RunAsync(url, token, executionId, attempt, order, logsUrl));
        return true;
    }

    private async Task RunAsync(string url, string token, string executionId, int attempt, WorkOrder order, string? logsUrl)
    {
        try
        {
            if (order.Silent)
            {
                return;
            }
            using var client = clients.CreateClient("worker");
            var fail = order.Fail || _attempts.AddOrUpdate(executionId, 1, (_, n) => n + 1) <= order.FailFirst ||
                (order.FailWhile is { } flag && _flags.ContainsKey(flag));
            var started = time.GetUtcNow();
            var end = started + order.For;
            if (order.Heartbeat is { } beat)
            {
                // The first heartbeat says the run started (with the code version and the logs link).
                for (var at = started; at < end; at += beat)
                {
                    var progress = order.For > TimeSpan.Zero ? Math.Round(100 * (at - started) / order.For, 1) : 0;
                    if (await ReportAsync(client, url, token, executionId, attempt, new JsonObject
                        {
                            ["status"] = "running", ["progress"] = progress, ["message"] = $"working ({progress}%)",
                            ["codeVersion"] = _codeVersion, ["logsUrl"] = logsUrl,
                        }) && !order.IgnoreCancel)
                    {
                        await ReportAsync(client, url, token, executionId, attempt, new JsonObject { ["status"] = "cancelled" });
                        return;
                    }
                    var next = at + beat < end ? at + beat : end;
                    await Task.Delay(next - time.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, time);
                }
            }
            else if (order.For > TimeSpan.Zero)
            {
                await Task.Delay(order.For, time);
            }
            await ReportAsync(client, url, token, executionId, attempt, fail
                ? new JsonObject { ["status"] = "failed", ["error"] = $"WaitEcho was told to fail (attempt {attempt})", ["codeVersion"] = _codeVersion, ["logsUrl"] = logsUrl }
                : new JsonObject
                {
                    ["status"] = "succeeded", ["codeVersion"] = _codeVersion, ["logsUrl"] = logsUrl,
                    ["output"] = new JsonObject { ["worker"] = "waitecho", ["attempt"] = attempt, ["workedMs"] = order.For.TotalMilliseconds },
                });
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Worker run of execution {ExecutionId} attempt {Attempt} failed to report", executionId, attempt);
        }
    }

    /// <summary>
    /// Sends one report; returns true when the answer asks the run to stop. Like a careful worker, it retries while the API
    /// cannot be reached or answers 5xx (a restart, a failover): reports are idempotent, so sending one twice is safe.
    /// </summary>
    private async Task<bool> ReportAsync(HttpClient client, string url, string token, string executionId, int attempt, JsonObject report)
    {
        HttpResponseMessage response;
        DateTimeOffset started;
        for (var tries = 1; ; tries++)
        {
            started = time.GetUtcNow();
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(report) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            try
            {
                response = await client.SendAsync(request);
                if ((int)response.StatusCode < 500 || tries >= ReportTries)
                {
                    break;
                }
                response.Dispose();
            }
            catch (HttpRequestException) when (tries < ReportTries)
            {
            }
            // Real time, not WaitEcho's clock: this waits for another process to come back.
            await Task.Delay(TimeSpan.FromMilliseconds(250 * tries));
        }
        using var _ = response;
        var cancel = false;
        if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<JsonObject>() is { } answer)
        {
            cancel = answer["cancel"]?.GetValue<bool>() == true;
        }
        _reports.Enqueue(new SentReport(executionId, attempt, (string)report["status"]!, (int)response.StatusCode, cancel, time.GetUtcNow(), started));
        logger.LogInformation("Reported {Status} on execution {ExecutionId} attempt {Attempt} -> {Answer}{Cancel}", report["status"], executionId, attempt,
            (int)response.StatusCode, cancel ? " (asked to cancel)" : "");
        return cancel;
    }
}
