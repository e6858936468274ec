using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Scheduler.Common.Security;
using Scheduler.Storage.Access;

using Scheduler.Storage.Audit;
using Scheduler.Crud.Api.Targets;

namespace Scheduler.Crud.Api.Access;

/// <summary>The <c>Limits</c> configuration section.</summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>Requests per second each API key may make on average (token bucket).</summary>
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>Requests a key may make at once before the average applies.</summary>
    public int Burst { get; set; } = 100;

    /// <summary>The largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}

/// <summary>Who may call the API and how much: API keys and tenants, scopes, rate limits, body size, the egress policy.</summary>
public static class AccessControl
{
    /// <summary>Picks the scheme per request: API keys in headers, else the browser's cookie.</summary>
    public const string CallerScheme = "Caller";

    public const string BrowserScheme = "Browser";

    private const string BrowserCookie = "scheduleman";

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }

    public static IHostApplicationBuilder AddAccessControl(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section);
        services.AddOptions<EgressOptions>().BindConfiguration(EgressOptions.Section);
        services.AddSingleton(sp => new EgressPolicy(sp.GetRequiredService<IOptions<EgressOptions>>().Value.Allow));
        services.AddSingleton<TargetChecks>();
        services.AddMemoryCache();
        services.AddSingleton<ApiKeyResolver>();
        services.AddSharedKeyRing();
        services.AddAuthentication(CallerScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, Results.ReportTokenAuthenticationHandler>(Results.ReportTokenAuthenticationHandler.SchemeName, null)
            .AddCookie(BrowserScheme, o =>
            {
                // The web UI: signed in with an API key, remembered in an HttpOnly, same-site cookie.
                o.LoginPath = "/login";
                o.AccessDeniedPath = "/denied";
                o.Cookie.Name = BrowserCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = async context =>
                {
                    // A revoked key signs its browsers out too.
                    var resolver = context.HttpContext.RequestServices.GetRequiredService<ApiKeyResolver>();
                    var hash = context.Principal?.FindFirstValue(Scopes.KeyHashClaim);
                    if (hash is null || await resolver.ResolveHashAsync(Convert.FromHexString(hash), BrowserScheme, context.HttpContext.RequestAborted) is null)
                    {
                        context.RejectPrincipal();
                    }
                };
                // The API answers problem details, not redirects to a login page; pages keep the usual redirects.
                var toLogin = o.Events.OnRedirectToLogin;
                var toDenied = o.Events.OnRedirectToAccessDenied;
                o.Events.OnRedirectToLogin = context => IsApi(context.Request) ? Status(context.Response, 401) : toLogin(context);
                o.Events.OnRedirectToAccessDenied = context => IsApi(context.Request) ? Status(context.Response, 403) : toDenied(context);
            })
            .AddPolicyScheme(CallerScheme, null, o => o.ForwardDefaultSelector = context =>
            {
                var request = context.Request;
                var hasKey = request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) || request.Headers.ContainsKey("Authorization");
                var auth = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
                return !auth.Enabled || hasKey || (IsApi(request) && !request.Cookies.ContainsKey(BrowserCookie))
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : BrowserScheme;
            });
        services.AddScopePolicies();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<LimitOptions>>().Value;
                // Per key; requests without one share a bucket per client address.
                var partition = context.User.FindFirstValue(Scopes.KeyIdClaim) ?? "ip:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst,
                    TokensPerPeriod = limits.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
            o.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = "1";
                await Microsoft.AspNetCore.Http.Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.",
                    detail: "This API key made more requests than its rate limit allows; retry after the Retry-After delay.").ExecuteAsync(rejected.HttpContext);
            };
        });
        services.AddHostedService<AccessControlReport>();
        return builder;
    }

    public static WebApplication UseAccessControl(this WebApplication app)
    {
        var limits = app.Services.GetRequiredService<IOptions<LimitOptions>>().Value;
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > limits.MaxRequestBodyBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await Microsoft.AspNetCore.Http.Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request body is too large.",
                    detail: $"body: {context.Request.ContentLength} bytes; the limit is {limits.MaxRequestBodyBytes}.").ExecuteAsync(context);
                return;
            }
            // Bodies without a length (chunked) are cut off by the server as they are read.
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            {
                bodySize.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            }
            await next(context);
        });
        app.UseAuthentication();
        // After authentication, so each key has its own bucket.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.Use((context, next) =>
        {
            // Who changes things, and from where: the stores write it into the audit trail with each change.
            AuditActor.Current = Audit.AuditSources.ActorOf(context);
            return next(context);
        });
        return app;
    }

    /// <summary>Says at startup how access is controlled, so that disabled auth is never silent.</summary>
    private sealed class AccessControlReport(IOptions<AuthOptions> auth, IOptions<EgressOptions> egress, SecretBox secrets,
        ILogger<AccessControlReport> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = secrets; // Resolving it fails start-up when Secrets:Key is missing, instead of the first write.
            var options = auth.Value;
            if (!options.Enabled)
            {
                logger.LogWarning("AUTHENTICATION IS DISABLED (Auth:Enabled=false): every request acts as an admin of tenant '{Tenant}'. For local demos only.",
                    options.BootstrapTenant);
            }
            else if (string.IsNullOrEmpty(options.BootstrapKey))
            {
                logger.LogInformation("API keys required. Create one with: dotnet Scheduler.Storage.dll create-api-key --tenant <tenant> --scope admin");
            }
            if (egress.Value.Allow.Count > 0)
            {
                logger.LogInformation("Webhooks may reach these internal hosts and networks: {Allowed}",
                    string.Join(", ", egress.Value.Allow));
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
