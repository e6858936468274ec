using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Scheduler.Crud.Api.Errors;

/// <summary>
/// The database being away (restarting, unreachable, a pooled connection that died with it) is a 503 with
/// <c>Retry-After</c>, not a 500: nothing was written, and the same request will work shortly.
/// </summary>
internal sealed class DatabaseUnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<DatabaseUnavailableExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // A PostgresException is the server rejecting a statement (a bug, so a 500) unless it says "try again".
        if (exception is not NpgsqlException npgsql || (npgsql is PostgresException && !npgsql.IsTransient))
        {
            return false;
        }
        logger.LogWarning("Database unavailable: {Message}", exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "2";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The database is unavailable.",
                Detail = "Nothing was changed. Retry in a few seconds.",
            },
        });
    }
}
