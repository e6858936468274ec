using Scheduler.ServiceDefaults;
using Scheduler.WaitEcho.Echo;
using Scheduler.WaitEcho.Kafka;

namespace Scheduler.WaitEcho;

/// <summary>Builds the WaitEcho web application; tests call this with their own arguments and services.</summary>
public static class WaitEchoApp
{
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.ListenByDefaultOn("http://localhost:5003");
        builder.AddServiceDefaults("scheduleman-waitecho");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new ReceivedLog(builder.Configuration.GetValue("WaitEcho:Capacity", 200_000)));
        builder.Services.AddSingleton<FailureCounter>();
        builder.Services.AddHttpClient("worker", c => c.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<Work.Worker>();
        AddKafka(builder);
        AddBrokers(builder);
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapEchoApi();
        app.MapGet("/kafka", (KafkaBootstrap kafka) => TypedResults.Ok(new { bootstrapServers = kafka.Servers }))
            .WithSummary("The Kafka brokers WaitEcho consumes from (its mock cluster's address when it hosts one).");
        return app;
    }

    private static void AddBrokers(WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Brokers.RabbitMqEchoOptions>().BindConfiguration(Brokers.RabbitMqEchoOptions.Section);
        builder.Services.AddOptions<Brokers.NatsEchoOptions>().BindConfiguration(Brokers.NatsEchoOptions.Section);
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{Brokers.RabbitMqEchoOptions.Section}:Uri"]))
        {
            builder.Services.AddHostedService<Brokers.RabbitMqEchoConsumer>();
        }
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{Brokers.NatsEchoOptions.Section}:Url"]))
        {
            builder.Services.AddHostedService<Brokers.NatsEchoConsumer>();
        }
    }

    private static void AddKafka(WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(KafkaEchoOptions.Section).Get<KafkaEchoOptions>() ?? new KafkaEchoOptions();
        builder.Services.AddOptions<KafkaEchoOptions>().BindConfiguration(KafkaEchoOptions.Section);
        string? servers = options.BootstrapServers;
        if (options.Mock)
        {
            var cluster = MockKafkaCluster.Start();
            builder.Services.AddSingleton(cluster);
            servers = cluster.BootstrapServers;
            // One plain line on stdout that scripts and tests read.
            Console.WriteLine($"WaitEcho Kafka mock cluster: bootstrap.servers={servers}");
        }
        builder.Services.AddSingleton(new KafkaBootstrap(servers));
        if (!string.IsNullOrWhiteSpace(servers))
        {
            builder.Services.AddHostedService<KafkaEchoConsumer>();
        }
    }
}
