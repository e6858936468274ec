namespace Scheduler.WaitEcho;

internal static class Program
{
    public static Task Main(string[] args) => WaitEchoApp.Build(args).RunAsync();
}
