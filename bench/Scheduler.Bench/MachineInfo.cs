using System.Runtime.InteropServices;

namespace Scheduler.Bench;

internal static class MachineInfo
{
    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024 * 1024.0);
        return $"{Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {memory:0} GiB, " +
               $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}, " +
               $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC";
    }
}
