using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Secrets;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Schedules;
using Scheduler.Storage.Secrets;

namespace Scheduler.Crud.Api.Secrets;

/// <summary>A named secret as the API shows it: never its value.</summary>
/// <param name="RotatedAt">When its value was last replaced.</param>
public sealed record SecretResponse(Guid Id, string Name, string? Description, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? RotatedAt)
{
    /// <summary>Always <c>***</c>: values are write-only.</summary>
    public string Value => "***";

    public static SecretResponse From(SecretRecord r) => new(r.Id, r.Name, r.Description, r.Version, r.CreatedAt, r.UpdatedAt, r.RotatedAt);
}

/// <summary>A page of secrets by name; pass <c>nextCursor</c> as <c>cursor</c> for the next.</summary>
public sealed record SecretPage(IReadOnlyList<SecretResponse> Items, string? NextCursor);

/// <summary>
/// Named secrets: a vendor token kept in one place, referred to by name from targets' header values
/// (<c>"Authorization": "Bearer {{ secrets.vendor_token }}"</c>) and resolved only at delivery; rotating it touches no schedule.
/// </summary>
public static class SecretsApi
{
    public static IEndpointRouteBuilder MapSecretsApi(this IEndpointRouteBuilder app)
    {
        // Reading a secret's metadata needs read; writing needs write. No endpoint returns a value.
        var group = app.MapGroup("/api/v1/secrets").WithTags("Secrets").RequireAuthorization(Scopes.Read);
        group.MapPost("/", Create).WithName("CreateSecret").RequireAuthorization(Scopes.Write).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create a named secret")
            .WithDescription("`name`, `value` (printable ASCII, at most 8192 characters; encrypted at rest, never shown) and an optional `description`. Targets' header values use it as `{{ secrets.name }}`.");
        group.MapGet("/", List).WithName("ListSecrets").WithSummary("List secrets by name (values are never shown)")
            .WithDescription("`limit` (1–500), `cursor` (the `nextCursor` of the page before).");
        group.MapGet("/{id:guid}", Get).WithName("GetSecret").WithSummary("Get a secret's name, description and versions (not its value)");
        group.MapPut("/{id:guid}", Replace).WithName("ReplaceSecret").RequireAuthorization(Scopes.Write).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Rotate a secret or change its description")
            .WithDescription("A `value` rotates it: every delivery from a few seconds on (executors keep a value at most 5 s) uses the new one; no schedule changes. Without `value`, the stored one is kept. The name cannot change.");
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteSecret").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Delete a secret no target uses").WithDescription("Refused (409, naming them) while schedules or workflows use it.");
        return app;
    }

    private static async Task<Results<Created<SecretResponse>, ValidationProblem, ProblemHttpResult>> Create(SecretRequest request, ClaimsPrincipal user,
        SecretStore secrets, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = SecretValidator.Validate(request, create: true);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The secret is invalid.");
        }
        if (await secrets.InsertAsync(user.Tenant(), request.Name!, Blank(request.Description), request.Value!, time.GetUtcNow(), cancellationToken) is not { } created)
        {
            return Problems.NameTaken(request.Name!, "secret");
        }
        response.Headers.ETag = Versions.ETag(created.Version);
        return TypedResults.Created($"/api/v1/secrets/{created.Id}", SecretResponse.From(created));
    }

    private static async Task<Results<Ok<SecretPage>, ValidationProblem>> List(ClaimsPrincipal user, SecretStore secrets, CancellationToken cancellationToken,
        int? limit = null, string? cursor = null)
    {
        var size = limit ?? 50;
        if (size is < 1 or > SchedulesApi.MaxPageSize)
        {
            return Problems.Invalid("limit", $"must be between 1 and {SchedulesApi.MaxPageSize}, got {size}");
        }
        if (cursor is { Length: > 64 })
        {
            return Problems.Invalid("cursor", "is not a cursor this API returned");
        }
        var page = await secrets.ListAsync(user.Tenant(), cursor, size, cancellationToken);
        return TypedResults.Ok(new SecretPage(page.Select(SecretResponse.From).ToList(), page.Count == size ? page[^1].Name : null));
    }

    private static async Task<Results<Ok<SecretResponse>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, SecretStore secrets, HttpResponse response,
        CancellationToken cancellationToken)
    {
        if (await secrets.GetAsync(user.Tenant(), id, cancellationToken) is not { } secret)
        {
            return Problems.NotFound("secret");
        }
        response.Headers.ETag = Versions.ETag(secret.Version);
        return TypedResults.Ok(SecretResponse.From(secret));
    }

    private static async Task<Results<Ok<SecretResponse>, ValidationProblem, ProblemHttpResult>> Replace(Guid id, SecretRequest request, ClaimsPrincipal user,
        SecretStore secrets, TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        if (await secrets.GetAsync(user.Tenant(), id, cancellationToken) is not { } current)
        {
            return Problems.NotFound("secret");
        }
        var errors = SecretValidator.Validate(request, create: false, current.Name);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The secret is invalid.");
        }
        var change = await secrets.ReplaceAsync(user.Tenant(), id, Versions.Expected(http), Blank(request.Description), request.Value, time.GetUtcNow(),
            cancellationToken);
        switch (change.Status)
        {
            case SecretChangeStatus.Done:
                http.HttpContext.Response.Headers.ETag = Versions.ETag(change.Secret!.Version);
                return TypedResults.Ok(SecretResponse.From(change.Secret));
            case SecretChangeStatus.VersionMismatch:
                return Problems.VersionMismatch(change.Secret!.Version, "secret");
            default:
                return Problems.NotFound("secret");
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, ClaimsPrincipal user, SecretStore secrets, HttpRequest http,
        CancellationToken cancellationToken)
    {
        var change = await secrets.DeleteAsync(user.Tenant(), id, Versions.Expected(http), cancellationToken);
        return change.Status switch
        {
            SecretChangeStatus.Done => TypedResults.NoContent(),
            SecretChangeStatus.VersionMismatch => Problems.VersionMismatch(change.Secret!.Version, "secret"),
            SecretChangeStatus.InUse => Problems.Conflict("The secret is in use.",
                $"{string.Join(", ", change.Referrers!)} use{(change.Referrers!.Count == 1 ? "s" : "")} secret '{change.Secret!.Name}'; point them elsewhere first."),
            _ => Problems.NotFound("secret"),
        };
    }

    /// <summary>Adds an error for each secret a target names that the tenant does not have (write time; delivery would fail).</summary>
    internal static async Task CheckReferencesAsync(SecretStore secrets, string tenant, IReadOnlyList<string> names, string field, ValidationErrors errors,
        CancellationToken cancellationToken)
    {
        foreach (var missing in await secrets.MissingAsync(tenant, names, cancellationToken))
        {
            errors.Add(field, $"uses secret '{missing}', which does not exist; create it first (POST /api/v1/secrets)");
        }
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
