using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Scheduler.Crud.Api.Access;

namespace Scheduler.Crud.Api.Http;

/// <summary>
/// Documents the problems every API operation can answer, derived from what the endpoint is rather than listed
/// by hand: each operation can be refused for its query string (400), an unknown or missing key (401), the rate
/// limit (429) and an unreachable database (503); one that needs more than read, for scope (403); one with an id in
/// its path, for an unknown id (404); one with a body, for its size (413) and type (415). What only an endpoint
/// knows (409 for a name taken, 412 for a stale If-Match) it states itself with <c>ProducesProblem</c>.
/// </summary>
internal static class ProblemResponses
{
    private const string ProblemJson = "application/problem+json";

    public static TBuilder WithProblemResponses<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        // Finally: after the endpoint's own conventions, so its authorization and body metadata are there to read.
        builder.Finally(endpoint =>
        {
            var metadata = endpoint.Metadata;
            var documented = metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
            void Add(int status, Type type, string description)
            {
                if (documented.Add(status))
                {
                    metadata.Add(new ProducesResponseTypeMetadata(status, type, [ProblemJson]) { Description = description });
                }
            }

            Add(StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails),
                "The request is invalid: `errors` names each bad field or parameter and why.");
            Add(StatusCodes.Status401Unauthorized, typeof(ProblemDetails), "No API key, or one that is unknown or revoked.");
            var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToList();
            if (policies.Contains(Scopes.Write) || policies.Contains(Scopes.Admin))
            {
                Add(StatusCodes.Status403Forbidden, typeof(ProblemDetails),
                    $"The key's scope does not allow this (it needs {(policies.Contains(Scopes.Admin) ? "admin" : "write")}).");
            }
            if (endpoint is RouteEndpointBuilder { RoutePattern.Parameters.Count: > 0 })
            {
                Add(StatusCodes.Status404NotFound, typeof(ProblemDetails), "Nothing with this id in the key's tenant.");
            }
            if (metadata.OfType<IAcceptsMetadata>().Any())
            {
                Add(StatusCodes.Status413PayloadTooLarge, typeof(ProblemDetails), "The body is larger than the limit (Limits:MaxRequestBodyBytes).");
                Add(StatusCodes.Status415UnsupportedMediaType, typeof(HttpValidationProblemDetails), "The body is not sent as application/json.");
            }
            Add(StatusCodes.Status429TooManyRequests, typeof(ProblemDetails), "The key's rate limit is spent; retry after `Retry-After` seconds.");
            Add(StatusCodes.Status503ServiceUnavailable, typeof(ProblemDetails),
                "The database is unavailable; nothing was changed. Retry after `Retry-After` seconds.");
        });
        return builder;
    }
}
