using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests;

/// <summary>The API, WaitEcho and an executor on one fake clock and one fresh database.</summary>
internal sealed class ApiHarness : IAsyncDisposable
{
    private ApiHarness(ApiFactory api, WaitEchoServer echo, TestExecutor executor, FakeTimeProvider time)
    {
        Api = api;
        Echo = echo;
        Executor = executor;
        Time = time;
        Client = api.CreateClient();
    }

    public ApiFactory Api { get; }
    public WaitEchoServer Echo { get; }
    public TestExecutor Executor { get; }
    public FakeTimeProvider Time { get; }
    public HttpClient Client { get; }

    /// <summary>The API's address when it serves a real socket.</summary>
    public Uri? Address { get; private init; }

    /// <param name="apiSettings">Configuration of the API on top of the test defaults.</param>
    /// <param name="executorSettings">Configuration of the executor on top of the test defaults.</param>
    /// <param name="echoSigningSecret">The secret WaitEcho checks signatures with.</param>
    /// <param name="kestrel">Serve the API on a real socket (for a browser) instead of in memory.</param>
    /// <param name="kafka">Brokers the executor produces to and WaitEcho consumes topic <c>triggers</c> from.</param>
    public static async Task<ApiHarness> StartAsync(Dictionary<string, string>? apiSettings = null, Dictionary<string, string?>? executorSettings = null,
        string? echoSigningSecret = null, bool kestrel = false, string? kafka = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var api = new ApiFactory { Time = time, Settings = apiSettings ?? [] };
        await ((Xunit.IAsyncLifetime)api).InitializeAsync();
        Uri? address = null;
        if (kestrel)
        {
            api.UseKestrel(0);
            api.StartServer();
            address = new Uri(api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        }
        // On a real socket, workers can report back: the executor tells them where.
        return new ApiHarness(api, await WaitEchoServer.StartAsync(time, kafkaBootstrapServers: kafka, signingSecret: echoSigningSecret),
            new TestExecutor(api.ConnectionString, time, "executor", o => o.CallbackUrl = address, kafkaBootstrapServers: kafka, settings: executorSettings), time)
        {
            Address = address,
        };
    }

    public JsonObject Webhook(string name, string timing, string query = "") => JsonNode.Parse($$"""
        { "name": "{{name}}", {{timing}},
          "target": { "type": "webhook", "url": "{{Echo.EchoUrl(query)}}" } }
        """)!.AsObject();

    public async Task<JsonObject> CreateAsync(JsonObject body)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/schedules", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public async Task<JsonObject> PostAsync(string url, HttpStatusCode expected = HttpStatusCode.OK, object? body = null)
    {
        var response = await Client.PostAsync(url, body is null ? null : JsonContent.Create(body));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"POST {url}: {(int)response.StatusCode} {answer}");
        return JsonNode.Parse(answer)!.AsObject();
    }

    public async Task<JsonObject> GetAsync(string url) => (await Client.GetFromJsonAsync<JsonObject>(url))!;

    /// <summary>Moves the clock to an instant the API returned.</summary>
    public void AdvanceTo(JsonNode? instant) =>
        Time.Advance(DateTimeOffset.Parse((string)instant!, System.Globalization.CultureInfo.InvariantCulture) - Time.GetUtcNow());

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Executor.DisposeAsync();
        await Echo.DisposeAsync();
        await Api.DisposeAsync();
    }
}
