using Scheduler.Cli.Http;
using Spectre.Console;

namespace Scheduler.Cli.Output;

/// <summary>What a status means to the CLI: whether it is final (a wait stops), whether it ended badly (exit 1), and its colour.</summary>
public sealed record StatusMeaning(bool Final, bool Bad, Color Colour);

/// <summary>
/// Every status (or state) the API's document lists for a resource, and what each means to the CLI. The values are the
/// document's (its <c>enum</c>s): a test fails when the document lists one this table does not, so that a wait cannot spin on a
/// status it does not know (the backfill wait once waited for <c>succeeded</c>, which a backfill never is: it ends <c>completed</c>).
/// </summary>
public static class Statuses
{
    private static readonly StatusMeaning Active = new(false, false, Color.Blue);
    private static readonly StatusMeaning Waiting = new(false, false, Color.Yellow);
    private static readonly StatusMeaning Good = new(true, false, Color.Green);
    private static readonly StatusMeaning Failed = new(true, true, Color.Red);
    private static readonly StatusMeaning Stopped = new(true, true, Color.Grey);
    private static readonly StatusMeaning Passed = new(true, false, Color.Grey);

    /// <summary>By response schema: its status field and each value's meaning.</summary>
    public static readonly IReadOnlyDictionary<string, (string Field, IReadOnlyDictionary<string, StatusMeaning> Values)> Known =
        new Dictionary<string, (string, IReadOnlyDictionary<string, StatusMeaning>)>
        {
            ["BackfillResponse"] = ("status", new Dictionary<string, StatusMeaning>
            {
                // A completed backfill may have failed runs: its progress says (BackfillFailed).
                ["running"] = Active, ["paused"] = Waiting, ["completed"] = Good, ["cancelled"] = Stopped,
            }),
            ["WorkflowRunResponse"] = ("status", new Dictionary<string, StatusMeaning>
            {
                ["queued"] = Waiting, ["running"] = Active, ["succeeded"] = Good, ["failed"] = Failed, ["cancelled"] = Stopped,
            }),
            ["ExecutionResponse"] = ("status", new Dictionary<string, StatusMeaning>
            {
                ["pending"] = Waiting, ["delivering"] = Active, ["delivered"] = Active, ["running"] = Active,
                // A failed run is retried or dead-lettered by an executor within a poll: not final yet.
                ["failed"] = new(false, true, Color.Red), ["cancelling"] = Active, ["waiting"] = Waiting,
                ["succeeded"] = Good, ["dead"] = Failed, ["skipped"] = Passed, ["cancelled"] = Stopped,
            }),
            ["ScheduleResponse"] = ("state", new Dictionary<string, StatusMeaning>
            {
                ["active"] = new(false, false, Color.Green), ["paused"] = Waiting, ["completed"] = Passed,
            }),
            ["OutageResponse"] = ("state", new Dictionary<string, StatusMeaning>
            {
                ["planned"] = Waiting, ["in-force"] = new(false, false, Color.Red), ["ended"] = Passed, ["cancelled"] = Passed,
            }),
        };

    /// <summary>The values the API's document lists for a schema's status field.</summary>
    public static IReadOnlyList<string> Listed(string schema, ApiContract? contract = null)
    {
        var field = Known[schema].Field;
        return [.. ((contract ?? ApiContract.Embedded).Schema(schema)["properties"]?[field]?["enum"]?.AsArray() ?? []).Select(v => v!.GetValue<string>())];
    }

    /// <summary>What a value means; an unknown one (a newer server) is neither final nor bad, and shown plain.</summary>
    public static StatusMeaning Of(string schema, string? value) =>
        value is not null && Known[schema].Values.TryGetValue(value, out var meaning) ? meaning : new StatusMeaning(false, false, Color.Default);

    /// <summary>Whether a backfill ended without running every interval well: cancelled, or completed with failed runs.</summary>
    public static bool BackfillFailed(System.Text.Json.Nodes.JsonObject backfill) =>
        Of("BackfillResponse", Terminal.Text(backfill["status"])).Bad || (backfill["progress"]?["failed"]?.GetValue<int>() ?? 0) > 0;
}
