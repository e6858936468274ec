using Scheduler.Common.Validation;

namespace Scheduler.Crud.Api.Http;

/// <summary>
/// Reads every JSON request body once before any endpoint binds it, and refuses what no field may hold
/// (<see cref="JsonInput"/>: nesting past 32, NUL, unpaired surrogates, numbers past a double's range) with a 400
/// problem naming the field by its JSON path. What a field means is still checked by its endpoint.
/// </summary>
internal static class RequestBodyGuard
{
    public static IApplicationBuilder UseRequestBodyGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // The same test the endpoints' JSON binding uses (application/json and any +json type).
        if (context.Request.HasJsonContentType())
        {
            context.Request.EnableBuffering();
            // Bounded by Limits:MaxRequestBodyBytes (set by access control): a longer body fails the read with a 413.
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            context.Request.Body.Position = 0;
            if (JsonInput.Check(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) is { IsValid: false } errors)
            {
                await Problems.Invalid(errors, "The request body holds what no field may hold.").ExecuteAsync(context);
                return;
            }
        }
        await next(context);
    });
}
