using Microsoft.Extensions.Hosting;
using Scheduler.Executor;

var builder = Host.CreateApplicationBuilder(args);
builder.AddExecutorServices();
await builder.Build().RunAsync();
