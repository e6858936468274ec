using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Http;
using Scheduler.Storage.Access;

namespace Scheduler.Crud.Api.Access;

/// <summary>A key to create: what it is for and how much it may do.</summary>
public sealed record ApiKeyRequest(string? Name, string? Scope);

/// <summary>A key as listed: never its secret text.</summary>
public sealed record ApiKeyResponse(Guid Id, string Name, string Scope, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public static ApiKeyResponse From(ApiKeyRecord r) => new(r.Id, r.Name, r.Scope, r.Prefix + "…",
        new DateTimeOffset(r.CreatedAt, TimeSpan.Zero), r.RevokedAt is { } revoked ? new DateTimeOffset(revoked, TimeSpan.Zero) : null);
}

/// <summary>A key just created, with its secret text: shown this once and never again.</summary>
public sealed record CreatedApiKeyResponse(Guid Id, string Name, string Scope, string Key, DateTimeOffset CreatedAt);

public static class ApiKeysApi
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/api-keys").WithTags("API keys").RequireAuthorization(Scopes.Admin);
        group.MapPost("/", Create).WithName("CreateApiKey")
            .WithSummary("Create an API key in your tenant (admin)")
            .WithDescription("`scope` is `read`, `write` or `admin` (each includes the ones before it). The response holds the key itself: it is shown only this once.");
        group.MapGet("/", List).WithName("ListApiKeys").WithSummary("Your tenant's API keys, without their secret text (admin)");
        group.MapDelete("/{id:guid}", Revoke).WithName("RevokeApiKey")
            .WithSummary("Revoke an API key (admin)").WithDescription($"Requests with it fail at once on this replica, on the others within {ApiKeyResolver.CacheFor.TotalSeconds:0} s.");
        return app;
    }

    private static async Task<Results<Created<CreatedApiKeyResponse>, ValidationProblem>> Create(ApiKeyRequest request, ClaimsPrincipal user,
        ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var errors = Validate(request, out var name);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The API key request is invalid.");
        }
        var created = await keys.CreateAsync(user.Tenant(), name, request.Scope!, cancellationToken);
        var r = created.Record;
        return TypedResults.Created($"/api/v1/api-keys/{r.Id}",
            new CreatedApiKeyResponse(r.Id, r.Name, r.Scope, created.Key, new DateTimeOffset(r.CreatedAt, TimeSpan.Zero)));
    }

    /// <summary>What is wrong with a key request, if anything; <paramref name="name"/> is the name trimmed.</summary>
    internal static ValidationErrors Validate(ApiKeyRequest request, out string name)
    {
        var errors = new ValidationErrors();
        name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200 || name.Any(char.IsControl))
        {
            errors.Add("name", "is required: 1–200 characters without control characters");
        }
        if (request.Scope is null || !ApiKeyStore.Scopes.Contains(request.Scope))
        {
            errors.Add("scope", $"must be one of {string.Join(", ", ApiKeyStore.Scopes)}");
        }
        return errors;
    }

    private static async Task<Ok<IReadOnlyList<ApiKeyResponse>>> List(ClaimsPrincipal user, ApiKeyStore keys, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<ApiKeyResponse>>((await keys.ListAsync(user.Tenant(), cancellationToken)).Select(ApiKeyResponse.From).ToList());

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(Guid id, ClaimsPrincipal user, ApiKeyResolver keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(user.Tenant(), id, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("API key");
}
