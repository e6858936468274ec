using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Executor.Delivery;
using Scheduler.Executor.Delivery.Brokers;
using Scheduler.Executor.Firing;
using Scheduler.Storage;

namespace Scheduler.Executor;

public static class ExecutorServiceCollectionExtensions
{
    /// <summary>Everything the executor host runs: options, storage, the database clock, the firing loop.</summary>
    public static IHostApplicationBuilder AddExecutorServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSchedulerStorage();
        builder.Services.AddOptions<ExecutorOptions>()
            .BindConfiguration(ExecutorOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.RetryMaxBackoff >= o.RetryInitialBackoff, "Executor:RetryMaxBackoff must be at least Executor:RetryInitialBackoff")
            .ValidateOnStart();
        builder.Services.AddSingleton<DatabaseClock>();
        builder.Services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<DatabaseClock>());
        builder.Services.AddTriggerFiring();
        builder.Services.AddHostedService<FiringLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ExecutorHeartbeat>());
        builder.Services.AddOptions<Retention.RetentionOptions>().BindConfiguration(Retention.RetentionOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.DeadLetterWindow >= o.Window, "Retention:DeadLetterWindow must be at least Retention:Window")
            .ValidateOnStart();
        builder.Services.AddSingleton<Retention.RetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Retention.RetentionService>());
        return builder;
    }

    /// <summary>The firing machinery without the loop or the clock: what tests drive directly.</summary>
    public static IServiceCollection AddTriggerFiring(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<ExecutorTelemetry>();
        services.AddSingleton<OutcomeRecorder>();
        services.AddSingleton<TriggerDispatcher>();
        services.AddSingleton<ExecutorHeartbeat>();
        services.AddOptions<EgressOptions>().BindConfiguration(EgressOptions.Section);
        services.AddSingleton(sp => new EgressPolicy(sp.GetRequiredService<IOptions<EgressOptions>>().Value.Allow));
        services.AddSingleton<SecretResolver>();
        services.AddSingleton<ITriggerDeliverer, WebhookDeliverer>();
        services.AddSingleton<ITriggerDeliverer, KafkaDeliverer>();
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section)
            .Validate(o => !BrokerGrants.Problems(KafkaOptions.Section, o.Tenants).Any(),
                "Kafka:Tenants: each tenant's grant is a comma-separated list of topic prefixes, or * for every topic")
            .ValidateOnStart();
        services.AddOptions<BrokerOptions>().BindConfiguration(BrokerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BrokerOptions>, BrokerOptions.Validation>();
        services.AddSingleton(sp => ConfiguredGrants.From(sp.GetRequiredService<IOptions<BrokerOptions>>().Value, sp.GetRequiredService<IOptions<KafkaOptions>>().Value));
        services.AddSingleton<ITriggerDeliverer, RabbitMqDeliverer>();
        services.AddSingleton<ITriggerDeliverer, NatsDeliverer>();
        services.AddSingleton<ITriggerDeliverer, WorkflowStarter>();
        return services;
    }
}
