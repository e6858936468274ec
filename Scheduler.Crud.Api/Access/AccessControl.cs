using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Scheduler.Common.Security;
using Scheduler.Storage.Access;

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
    public static IHostApplicationBuilder AddAccessControl(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section);
        services.AddOptions<EgressOptions>().BindConfiguration(EgressOptions.Section);
        services.AddSingleton(sp => new EgressPolicy(sp.GetRequiredService<IOptions<EgressOptions>>().Value.Allow));
        services.AddMemoryCache();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
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
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.",
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
                await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request body is too large.",
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
