using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Scheduler.Common.Results;
using Scheduler.Crud.Api.Access;

namespace Scheduler.Crud.Api.Results;

/// <summary>
/// Authenticates a worker's report with the token its trigger carried (<c>Authorization: Bearer smr_…</c>): valid only for
/// the execution in the route, whatever API keys exist (and also when API keys are switched off).
/// </summary>
public sealed class ReportTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ReportToken tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "ReportToken";
    public const string Policy = "report";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var authorization) ||
            !authorization.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(authorization.Parameter))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!Guid.TryParse(Context.GetRouteValue("id") as string, out var executionId) || !tokens.IsValid(authorization.Parameter.Trim(), executionId))
        {
            return Task.FromResult(AuthenticateResult.Fail("the report token is not valid for this execution"));
        }
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, "report:" + executionId),
                // Each execution's reports get their own rate-limit bucket (not one per worker address).
                new Claim(Scopes.KeyIdClaim, "report:" + executionId),
            ], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"scheduleman-reports\"";
        await Microsoft.AspNetCore.Http.Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A report token is required.",
            detail: (result.Failure?.Message is { } why ? why + ". " : "") +
                    $"Send the token the trigger carried ('{Common.Delivery.TriggerHeaders.ReportToken}' header, or reportToken in the event's data) as 'Authorization: Bearer <token>'.")
            .ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => HandleChallengeAsync(properties);
}
