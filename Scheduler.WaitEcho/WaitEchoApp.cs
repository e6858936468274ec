using Scheduler.WaitEcho.Echo;

namespace Scheduler.WaitEcho;

/// <summary>Builds the WaitEcho web application; tests call this with their own arguments and services.</summary>
public static class WaitEchoApp
{
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new ReceivedLog(builder.Configuration.GetValue("WaitEcho:Capacity", 200_000)));
        builder.Services.AddSingleton<FailureCounter>();
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapEchoApi();
        return app;
    }
}
