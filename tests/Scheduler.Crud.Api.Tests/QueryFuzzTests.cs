using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Crud.Api.Tests.Contract;
using Scheduler.Testing;
using Xunit.Abstractions;

namespace Scheduler.Crud.Api.Tests;

/// <summary>
/// Hostile query strings and path segments on every endpoint: the API's operations come from the OpenAPI
/// document and the pages from the app's own route table, so an endpoint added later is fuzzed without anyone
/// listing it. Every answer is below 500; an API refusal is problem details; a refusal changes nothing.
/// </summary>
public sealed class QueryFuzzTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    // Real Kestrel, not the in-memory host: what a path may hold (a NUL, say) is decided by the server's own request parser.
    private readonly ApiFactory factory = new();
    private int _requests;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)factory).InitializeAsync();
        factory.UseKestrel(0);
        factory.StartServer();
    }

    public Task DisposeAsync() => factory.DisposeAsync().AsTask();

    public void Dispose() => factory.Dispose();

    /// <summary>Raw query values (already percent-encoded where they must be): NUL, line breaks, invalid UTF-8, injections, extremes.</summary>
    private static readonly string[] HostileValues =
    [
        "%00", "a%00b", "%0d%0aX-Injected:%201", "%1b%5b31m", "%7f", "%ED%A0%80", "%FF%FE", "%", "%zz", "",
        "%20", "'%20or%20'1'='1", "1;drop%20table%20schedules", "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "-1", "0", "2147483648", "99999999999999999999", "1e400", "NaN", "true", "null", "[]", "{}",
        "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "%E2%80%AE", "%E6%97%A5%E6%9C%AC", "a=b=c", "=", "key=", "%00=x", "k=%00",
        Uri.EscapeDataString(Guid.NewGuid().ToString()), "MTsgZHJvcCB0YWJsZSBzY2hlZHVsZXM", new string('x', 1_000), new string('y', 1_025),
    ];

    /// <summary>Path segments for an <c>{id}</c>: the route constraint (a UUID) must turn each into a clean 404 or 400.</summary>
    private static readonly string[] HostileSegments =
    [
        "%00", "not-an-id", "..", "%2e%2e", "%2F", "%25", "'%20or%201=1", "00000000-0000-0000-0000-000000000000", "%E2%80%AE",
        new string('9', 600), "%0d%0a", Guid.NewGuid().ToString().ToUpperInvariant(), "{id}",
    ];

    [Fact]
    public async Task Hostile_query_strings_and_path_segments_never_fail_the_server_on_any_endpoint()
    {
        var client = factory.CreateClient();
        var created = await client.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse(
            """{"name":"fuzzed","cron":"0 0 9 * * *","target":{"type":"webhook","url":"https://hooks.example.com/a"}}"""));
        var scheduleId = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var triggered = await client.PostAsync($"/api/v1/schedules/{scheduleId}/trigger", null);
        var executionId = (string)(await triggered.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        var contract = new OpenApiContract(await File.ReadAllTextAsync(Path.Combine(PostgresServer.RepositoryRoot(), "docs", "openapi.json")));
        var endpoints = contract.Operations
            .Select(o => new Endpoint(o.Method, o.Template, o.Parameters.Where(p => p.In == "query").Select(p => p.Name).ToList(), Api: true))
            .Concat(await PagesAsync())
            .ToList();

        var combinations = 0;
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            // An endpoint that destroys what it names gets an id that names nothing, so that the fuzzing does not delete its own fixtures.
            var id = endpoint.Method == "DELETE" ? Guid.NewGuid().ToString()
                : endpoint.Template.Contains("/executions/{id}", StringComparison.Ordinal) ? executionId : scheduleId;
            var path = endpoint.Template.Replace("{id}", id, StringComparison.Ordinal);
            // The documented parameters, and one nobody declared: the guard must cover undeclared names too.
            foreach (var name in endpoint.Parameters.Append("undeclared"))
            {
                combinations++;
                foreach (var value in HostileValues)
                {
                    await CheckAsync(client, endpoint, $"{path}?{name}={value}", failures);
                }
                await CheckAsync(client, endpoint, $"{path}?{name}%00=1", failures);
            }
            if (endpoint.Template.Contains("{id}", StringComparison.Ordinal))
            {
                combinations++;
                foreach (var segment in HostileSegments)
                {
                    await CheckAsync(client, endpoint, endpoint.Template.Replace("{id}", segment, StringComparison.Ordinal), failures);
                }
            }
        }

        output.WriteLine($"{endpoints.Count(e => e.Api)} operations and {endpoints.Count(e => !e.Api)} pages; {combinations} endpoint × parameter " +
            $"combinations (each parameter, an undeclared one, and each path id), {_requests} requests");
        Assert.True(failures.Count == 0, $"{failures.Count} hostile requests were answered wrongly:\n" + string.Join('\n', failures.Take(30)));
        // Every API operation and page is covered; the figure is quoted in the issue's closing note.
        Assert.True(endpoints.Count(e => e.Api) >= 20 && endpoints.Count(e => !e.Api) >= 8, $"{endpoints.Count} endpoints");
        Assert.True(combinations >= 80, $"{combinations} endpoint × parameter combinations");
    }

    private sealed record Endpoint(string Method, string Template, IReadOnlyList<string> Parameters, bool Api);

    private async Task CheckAsync(HttpClient client, Endpoint endpoint, string url, List<string> failures)
    {
        _requests++;
        var before = await factory.SnapshotAsync();
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), url);
        if (endpoint.Method is "POST" or "PUT" && endpoint.Api)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
        }
        catch (ContractViolationException violation)
        {
            failures.Add($"{endpoint.Method} {url}: {violation.Message}");
            return;
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            var context = $"{endpoint.Method} {(url.Length > 160 ? url[..160] + "…" : url)} -> {status} {(text.Length > 200 ? text[..200] : text)}";
            // Kestrel's request-line parser refuses a NUL in the path itself (400, no body) before the app sees the request.
            var refusedByServer = status == 400 && text.Length == 0 && response.RequestMessage!.RequestUri!.AbsolutePath.Contains("%00", StringComparison.Ordinal);
            if (status >= 500)
            {
                failures.Add(context);
            }
            else if (status >= 400 && endpoint.Api && !refusedByServer && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add("not problem details: " + context);
            }
            else if (status >= 400 && before != await factory.SnapshotAsync())
            {
                failures.Add("a refused request changed the database: " + context);
            }
        }
    }

    /// <summary>The pages from the route table, each with the query parameters its model binds on GET.</summary>
    private async Task<IReadOnlyList<Endpoint>> PagesAsync()
    {
        var loader = factory.Services.GetRequiredService<PageLoader>();
        var pages = new List<Endpoint>();
        foreach (var route in factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (route.Metadata.GetMetadata<PageActionDescriptor>() is not { } descriptor || route.RoutePattern.RawText is not { } template)
            {
                continue;
            }
            var compiled = await loader.LoadAsync(descriptor, route.Metadata);
            var bound = compiled.BoundProperties.Select(p => p.BindingInfo?.BinderModelName ?? p.Name)
                .Concat(compiled.HandlerMethods.SelectMany(h => h.Parameters).Select(p => p.BindingInfo?.BinderModelName ?? p.Name))
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .Select(n => char.ToLowerInvariant(n[0]) + n[1..])
                .ToList();
            var normalized = "/" + template.TrimStart('/').Replace("{id:guid}", "{id}", StringComparison.Ordinal);
            pages.Add(new Endpoint("GET", normalized, bound, Api: false));
        }
        return pages.DistinctBy(p => p.Template).ToList();
    }
}
