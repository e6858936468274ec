using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Security;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Backfills;
using Scheduler.Crud.Api.Workflows;
using Scheduler.Crud.Api.Ui;
using Scheduler.Storage.Backfills;
using Scheduler.Storage.Workflows;
using Scheduler.Crud.Api.Targets;

namespace Scheduler.Crud.Api.Pages.Workflows;

/// <summary>A workflow: its DAG, its runs, run now (with parameters), edit its definition, delete.</summary>
public sealed class WorkflowModel(WorkflowStore workflows, RunStore runs, BackfillStore backfills, Storage.Secrets.SecretStore secrets, TargetChecks targetChecks,
    TimeProvider time) : PageModel
{
    [BindProperty] public BackfillForm Backfill { get; set; } = new();

    public IReadOnlyList<BackfillRecord> Backfills { get; private set; } = [];
    public BackfillPlanResponse? Preview { get; private set; }
    public ValidationErrors BackfillErrors { get; private set; } = new();

    public BackfillFormView BackfillView => new(Backfill, BackfillErrors, Preview, Recurring: false, Backfills);

    /// <summary>A backfill of the workflow: previewed (a dry run, shown on this page) or started (its own page).</summary>
    public async Task<IActionResult> OnPostBackfillAsync(bool dryRun)
    {
        if (!await LoadAsync())
        {
            return NotFound();
        }
        Definition = WorkflowJson.Of(Workflow);
        Version = Workflow.Version;
        var errors = new ValidationErrors();
        var request = Backfill.ToRequest(dryRun, errors);
        var created = errors.IsValid ? await BackfillsApi.ForWorkflowAsync(Workflow, request, backfills, time.GetUtcNow(), errors, HttpContext.RequestAborted) : null;
        if (created?.Backfill is { } backfill)
        {
            TempData["Flash"] = $"Backfill started: {backfill.Total} runs, at most {backfill.MaxActiveRuns} at once.";
            return Redirect($"/backfills/{backfill.Id}");
        }
        BackfillErrors = errors;
        Preview = created is null ? null : BackfillPlanResponse.From(created);
        return Page();
    }

    [FromRoute] public Guid Id { get; set; }
    [BindProperty] public string Definition { get; set; } = "";
    [BindProperty] public int? Version { get; set; }
    [BindProperty] public string? Parameters { get; set; }

    /// <summary>Run now: blank for now, or a past instant (history mode).</summary>
    [BindProperty] public string? LogicalDate { get; set; }

    public WorkflowRecord Workflow { get; private set; } = null!;
    public IReadOnlyList<RunRecord> Runs { get; private set; } = [];
    public IReadOnlyList<string> StartedBy { get; private set; } = [];
    public ValidationErrors Errors { get; private set; } = new();

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync())
        {
            return NotFound();
        }
        Definition = WorkflowJson.Of(Workflow);
        Version = Workflow.Version;
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync()
    {
        if (!await LoadAsync())
        {
            return NotFound();
        }
        if (WorkflowJson.Parse(Definition, Errors) is { } request &&
            (Errors = WorkflowsApi.ValidateWrite(request, await targetChecks.ForAsync(User.Tenant(), WorkflowsApi.StepTargets(request), HttpContext.RequestAborted), workflows.StoredSecrets(Workflow), out var definition)).IsValid &&
            await ReferencesExistAsync(definition!))
        {
            var change = await workflows.ReplaceAsync(User.Tenant(), Id, Version, _ => definition!, time.GetUtcNow(), HttpContext.RequestAborted);
            switch (change.Status)
            {
                case WorkflowChangeStatus.Done:
                    TempData["Flash"] = $"Saved {change.Workflow!.Name} as version {change.Workflow.Version}; runs in progress keep the version they started with.";
                    return Redirect($"/workflows/{Id}");
                case WorkflowChangeStatus.NameTaken:
                    Errors.Add("name", $"a workflow named '{definition!.Name}' already exists");
                    break;
                case WorkflowChangeStatus.InUse:
                    Errors.Add("name", $"schedules start it by its name: {string.Join(", ", change.UsedBy!)}; point them at the new name first");
                    break;
                case WorkflowChangeStatus.VersionMismatch:
                    Errors.Add("version", "someone changed this workflow since you opened it; reload it and reapply your change");
                    break;
                default:
                    return NotFound();
            }
        }
        return Page();
    }

    public async Task<IActionResult> OnPostRunAsync()
    {
        var now = time.GetUtcNow();
        if (await workflows.GetAsync(User.Tenant(), Id, HttpContext.RequestAborted) is not { } workflow)
        {
            return NotFound();
        }
        var errors = new ValidationErrors();
        var start = HistoryRuns.ForWorkflow(workflow, HistoryRuns.FromForm(LogicalDate, Parameters, errors), now, errors);
        if (start is null)
        {
            TempData["Flash"] = $"Nothing was started: {errors}";
            return Redirect($"/workflows/{Id}");
        }
        var run = await runs.StartAsync(User.Tenant(), Id, null, start, now, HttpContext.RequestAborted);
        if (run is null)
        {
            return NotFound();
        }
        TempData["Flash"] = run.Status == "queued" ? "Started: queued behind the runs in progress (maxActiveRuns)." : "Started.";
        return Redirect($"/workflow-runs/{run.Id}");
    }

    public async Task<IActionResult> OnPostDeleteAsync()
    {
        var change = await workflows.DeleteAsync(User.Tenant(), Id, null, time.GetUtcNow(), HttpContext.RequestAborted);
        TempData["Flash"] = change.Status switch
        {
            WorkflowChangeStatus.Done => $"Deleted {change.Workflow!.Name}; its runs stay readable.",
            WorkflowChangeStatus.InUse => $"Not deleted: schedules start it ({string.Join(", ", change.UsedBy!)}).",
            _ => "No such workflow.",
        };
        return Redirect(change.Status == WorkflowChangeStatus.Done ? "/workflows" : $"/workflows/{Id}");
    }

    private async Task<bool> LoadAsync()
    {
        if (await workflows.GetAsync(User.Tenant(), Id, HttpContext.RequestAborted) is not { } workflow)
        {
            return false;
        }
        Workflow = workflow;
        Runs = await runs.ListAsync(User.Tenant(), Id, null, 25, null, HttpContext.RequestAborted);
        StartedBy = await workflows.StartedByAsync(User.Tenant(), workflow.Name, HttpContext.RequestAborted);
        Backfills = await backfills.ListAsync(User.Tenant(), null, Id, null, null, 10, HttpContext.RequestAborted);
        return true;
    }

    private async Task<bool> ReferencesExistAsync(Common.Workflows.WorkflowDefinition definition)
    {
        await Crud.Api.Secrets.SecretsApi.CheckReferencesAsync(secrets, User.Tenant(), definition.SecretRefs, "steps", Errors, HttpContext.RequestAborted);
        return Errors.IsValid;
    }
}
