namespace Scheduler.Common.Delivery;

/// <summary>What every delivery attempt of one occurrence carries; the execution id is its stable identity.</summary>
/// <param name="Callback">With result tracking: where and how the worker reports on this attempt.</param>
public sealed record TriggerContext(
    Guid ExecutionId,
    Guid ScheduleId,
    string ScheduleName,
    DateTimeOffset ScheduledFor,
    int Attempt,
    TriggerCallback? Callback = null);

/// <summary>The report address of one attempt and the token that authorises reports on its execution (and no other).</summary>
public sealed record TriggerCallback(string Url, string Token)
{
    /// <summary>The report address of <paramref name="attempt"/> of <paramref name="executionId"/> on the API at <paramref name="apiBase"/>.</summary>
    public static string UrlFor(Uri apiBase, Guid executionId, int attempt) =>
        new Uri(apiBase, $"api/v1/executions/{executionId}/attempts/{attempt}/report").ToString();
}
