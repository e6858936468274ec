using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Scheduler.Crud.Api.Access;

namespace Scheduler.Crud.Api.Ui;

/// <summary>Page POSTs change things, so they need the write scope (reading a page needs read, by the folder convention).</summary>
internal sealed class WriteScopeForChanges : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsPost(http.Request.Method) && !http.User.Allows(Scopes.Write))
        {
            context.Result = new ForbidResult();
            return;
        }
        await next();
    }
}
