using System.Globalization;
using System.Text.Json;
using Scheduler.Common.Backfills;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Backfills;
using Scheduler.Storage.Backfills;

namespace Scheduler.Crud.Api.Ui;

/// <summary>The backfill form of a schedule's or a workflow's page, as posted (text fields, parsed into the API's request).</summary>
public sealed class BackfillForm
{
    public string? Start { get; set; }
    public string? End { get; set; }
    public string? Batch { get; set; }
    public string? MaxActiveRuns { get; set; }
    public string? Parameters { get; set; }
    public bool Rerun { get; set; }

    public BackfillRequest ToRequest(bool dryRun, ValidationErrors errors)
    {
        int? maxActive = null;
        if (!string.IsNullOrWhiteSpace(MaxActiveRuns))
        {
            if (int.TryParse(MaxActiveRuns, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                maxActive = n;
            }
            else
            {
                errors.Add("maxActiveRuns", $"'{ValidationErrors.Excerpt(MaxActiveRuns)}' is not a whole number");
            }
        }
        var parameters = JsonInput.ParseField(Parameters, "parameters", errors);
        return new BackfillRequest
        {
            Start = string.IsNullOrWhiteSpace(Start) ? null : Start.Trim(),
            End = string.IsNullOrWhiteSpace(End) ? null : End.Trim(),
            Batch = string.IsNullOrWhiteSpace(Batch) ? null : Batch,
            MaxActiveRuns = maxActive,
            Parameters = parameters,
            Rerun = Rerun,
            DryRun = dryRun,
        };
    }
}

/// <summary>What the backfill partials show: the form, its errors, a dry run's list; or a job's backfills.</summary>
/// <param name="Recurring">The job has a cron timing (so <c>occurrence</c> batches apply).</param>
public sealed record BackfillFormView(BackfillForm Form, ValidationErrors Errors, BackfillPlanResponse? Preview, bool Recurring, IReadOnlyList<BackfillRecord> Backfills);
