namespace Scheduler.Executor;

internal static class Program
{
    public static Task Main(string[] args) => ExecutorApp.Build(args).RunAsync();
}
