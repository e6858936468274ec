using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Security;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Workflows;
using Scheduler.Storage.Workflows;
using Scheduler.Crud.Api.Targets;

namespace Scheduler.Crud.Api.Pages.Workflows;

/// <summary>The tenant's workflows, and a form to create one from its JSON definition.</summary>
public sealed class WorkflowsModel(WorkflowStore workflows, TargetChecks targetChecks, TimeProvider time) : PageModel
{
    [BindProperty] public string Definition { get; set; } = WorkflowJson.Example;

    public IReadOnlyList<WorkflowRecord> Workflows { get; private set; } = [];
    public ValidationErrors Errors { get; private set; } = new();

    public async Task OnGetAsync() => Workflows = await workflows.ListAsync(User.Tenant(), 200, null, null, new Dictionary<string, string>(),
        HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostAsync()
    {
        if (!User.Allows(Scopes.Write))
        {
            return Forbid();
        }
        if (WorkflowJson.Parse(Definition, Errors) is { } request && (Errors = WorkflowsApi.ValidateWrite(request, await targetChecks.ForAsync(User.Tenant(), WorkflowsApi.StepTargets(request), HttpContext.RequestAborted), null, out var definition)).IsValid)
        {
            if (await workflows.InsertAsync(User.Tenant(), definition!, time.GetUtcNow(), HttpContext.RequestAborted) is { } created)
            {
                TempData["Flash"] = $"Created {created.Name} ({created.Steps.Count} steps).";
                return Redirect($"/workflows/{created.Id}");
            }
            Errors.Add("name", $"a workflow named '{definition!.Name}' already exists");
        }
        await OnGetAsync();
        return Page();
    }
}
