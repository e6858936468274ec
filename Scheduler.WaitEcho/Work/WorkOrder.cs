using System.Globalization;
using System.Text.Json;
using Scheduler.Common.Time;

namespace Scheduler.WaitEcho.Work;

/// <summary>
/// How WaitEcho "works" on a trigger as a worker: for how long, with what heartbeats, and how it ends. From <c>/work</c>'s
/// query (<c>for=2s&amp;heartbeat=500ms&amp;outcome=fail&amp;failFirst=1&amp;silent=true</c>) or a Kafka value's <c>work</c> object.
/// </summary>
/// <param name="For">How long the run takes before the final report.</param>
/// <param name="Heartbeat">Report <c>running</c> this often meanwhile (none when null).</param>
/// <param name="Fail">Report <c>failed</c> instead of <c>succeeded</c>.</param>
/// <param name="FailFirst">Fail only the first this-many attempts of each execution, then succeed.</param>
/// <param name="Silent">Never report at all (the run times out).</param>
/// <param name="IgnoreCancel">Keep working when asked to cancel.</param>
/// <param name="FailWhile">Fail while this flag is raised (<c>PUT /work/flags/{name}</c>): a bug that a fix, deployed later, removes.</param>
public sealed record WorkOrder(TimeSpan For, TimeSpan? Heartbeat, bool Fail, int FailFirst, bool Silent, bool IgnoreCancel, string? FailWhile = null)
{
    public static WorkOrder FromQuery(IQueryCollection query) => new(
        Duration(query["for"]) ?? TimeSpan.Zero,
        Duration(query["heartbeat"]),
        query["outcome"] == "fail",
        int.TryParse(query["failFirst"], CultureInfo.InvariantCulture, out var n) ? n : 0,
        query["silent"] == "true",
        query["ignoreCancel"] == "true",
        query["failWhile"].FirstOrDefault());

    /// <summary>The <c>work</c> object of a JSON value, e.g. <c>{"work": {"for": "2s", "outcome": "fail"}}</c>; defaults when absent.</summary>
    public static WorkOrder FromJson(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("work", out var work) &&
                work.ValueKind == JsonValueKind.Object)
            {
                string? Text(string name) => work.TryGetProperty(name, out var v) ? v.ToString() : null;
                return new WorkOrder(Duration(Text("for")) ?? TimeSpan.Zero, Duration(Text("heartbeat")), Text("outcome") == "fail",
                    int.TryParse(Text("failFirst"), CultureInfo.InvariantCulture, out var n) ? n : 0, Text("silent") == "true", Text("ignoreCancel") == "true",
                    Text("failWhile"));
            }
        }
        catch (JsonException)
        {
        }
        return new WorkOrder(TimeSpan.Zero, null, false, 0, false, false);
    }

    private static TimeSpan? Duration(string? text) => Durations.TryParse(text, out var d, out _) ? d : null;
}
