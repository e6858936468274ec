using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduler.WaitEcho;
using Scheduler.WaitEcho.Echo;

namespace Scheduler.Testing;

/// <summary>WaitEcho on a real Kestrel socket (loopback, free port), for tests that fire real HTTP.</summary>
public sealed class WaitEchoServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WaitEchoServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>The URL of <c>/echo</c> with optional knobs, e.g. <c>fail=500</c>.</summary>
    public string EchoUrl(string query = "") => new Uri(BaseAddress, "/echo" + (query.Length > 0 ? "?" + query : "")).ToString();

    /// <summary>The URL of <c>/work</c> (WaitEcho as a worker that reports back) with its knobs, e.g. <c>for=30s&amp;heartbeat=10s</c>.</summary>
    public string WorkUrl(string query = "") => new Uri(BaseAddress, "/work" + (query.Length > 0 ? "?" + query : "")).ToString();

    /// <summary>Raises (or lowers) a flag that work with <c>failWhile=name</c> fails under.</summary>
    public async Task SetFlagAsync(string name, bool raised)
    {
        using var response = raised ? await Client.PutAsync($"/work/flags/{name}", null) : await Client.DeleteAsync($"/work/flags/{name}");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The reports WaitEcho sent as a worker for one execution.</summary>
    public async Task<IReadOnlyList<Scheduler.WaitEcho.Work.SentReport>> ReportsAsync(string executionId) =>
        (await Client.GetFromJsonAsync<List<Scheduler.WaitEcho.Work.SentReport>>($"/work/reports?executionId={executionId}"))!;

    /// <param name="kafkaBootstrapServers">When given, WaitEcho also consumes <paramref name="kafkaTopics"/> from these brokers.</param>
    /// <param name="signingSecret">When given, WaitEcho checks Standard Webhooks signatures with it.</param>
    public static async Task<WaitEchoServer> StartAsync(TimeProvider? time = null, string? kafkaBootstrapServers = null, string kafkaTopics = "triggers",
        string? signingSecret = null, string? rabbitMqUri = null, string? natsUrl = null)
    {
        List<string> args = ["--urls", "http://127.0.0.1:0"];
        if (rabbitMqUri is not null)
        {
            args.Add($"--WaitEcho:RabbitMq:Uri={rabbitMqUri}");
        }
        if (natsUrl is not null)
        {
            args.Add($"--WaitEcho:Nats:Url={natsUrl}");
        }
        if (kafkaBootstrapServers is not null)
        {
            args.AddRange([$"--WaitEcho:Kafka:BootstrapServers={kafkaBootstrapServers}", $"--WaitEcho:Kafka:Topics={kafkaTopics}"]);
        }
        if (signingSecret is not null)
        {
            args.Add($"--WaitEcho:SigningSecret={signingSecret}");
        }
        var app = WaitEchoApp.Build([.. args], services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }
            services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WaitEchoServer(app, new Uri(address));
    }

    public async Task<IReadOnlyList<ReceivedTrigger>> ReceivedAsync(string? scheduleId = null)
    {
        var url = scheduleId is null ? "/received" : $"/received?scheduleId={scheduleId}";
        return (await Client.GetFromJsonAsync<List<ReceivedTrigger>>(url))!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
