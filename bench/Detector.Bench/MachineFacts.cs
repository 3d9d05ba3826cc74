using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Detector.Bench;

/// <summary>What the numbers were measured on.</summary>
internal sealed record MachineFacts(string Cpu, int Cores, string Memory, string Os, string DotNet, string OnnxRuntime, string Providers)
{
    public static MachineFacts Read()
    {
        string cpu = "unknown";
        string memory = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            string? total = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (total is not null)
            {
                long kib = long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
                memory = $"{kib / (1024.0 * 1024):F1} GiB";
            }
        }
        catch (IOException)
        {
            // Not Linux: leave unknown.
        }

        OrtEnv ort = OrtEnv.Instance();
        return new MachineFacts(
            cpu,
            Environment.ProcessorCount,
            memory,
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            ort.GetVersionString(),
            string.Join(", ", ort.GetAvailableProviders()));
    }
}
