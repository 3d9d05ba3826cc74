using System.Globalization;

namespace Detector.Bench;

/// <summary>One reading of CPU time: the server, this process, and the whole machine (Linux /proc; zeros elsewhere).</summary>
internal readonly record struct CpuSample(long Timestamp, double ServerSeconds, double BenchSeconds, double MachineBusySeconds);

/// <summary>CPU and memory of processes and of the machine, read from /proc.</summary>
internal static class ProcStats
{
    // USER_HZ is 100 on every Linux the bench targets (x86-64 and arm64 kernels fix it at 100 for /proc).
    private const double TicksPerSecond = 100.0;

    /// <summary>Resident set of a process in MiB (VmRSS), or NaN when it cannot be read.</summary>
    public static double RssMiB(int? pid)
    {
        if (pid is null)
        {
            return double.NaN;
        }

        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return double.NaN;
    }

    /// <summary>Threads of a process (Threads: in /proc/PID/status), or -1.</summary>
    public static int Threads(int? pid)
    {
        if (pid is null)
        {
            return -1;
        }

        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    return int.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return -1;
    }

    public static CpuSample Sample(int? serverPid) => new(
        System.Diagnostics.Stopwatch.GetTimestamp(),
        serverPid is null ? 0 : ProcessSeconds(serverPid.Value.ToString(CultureInfo.InvariantCulture)),
        ProcessSeconds("self"),
        MachineBusySeconds());

    /// <summary>Average cores used between two samples by the server, the bench, and everything else on the machine.</summary>
    public static (double Server, double Bench, double Other) Cores(CpuSample from, CpuSample to)
    {
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(from.Timestamp, to.Timestamp).TotalSeconds;
        if (seconds <= 0)
        {
            return (0, 0, 0);
        }

        double server = (to.ServerSeconds - from.ServerSeconds) / seconds;
        double bench = (to.BenchSeconds - from.BenchSeconds) / seconds;
        double machine = (to.MachineBusySeconds - from.MachineBusySeconds) / seconds;
        return (server, bench, Math.Max(0, machine - server - bench));
    }

    /// <summary>The 1-minute load average, or NaN.</summary>
    public static double LoadAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static double ProcessSeconds(string pid)
    {
        try
        {
            // Fields after the command (which may hold spaces) start after the last ')': state is field 3, utime 14, stime 15.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / TicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    private static double MachineBusySeconds()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal ...
            string first = File.ReadLines("/proc/stat").First();
            long[] values = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            long busy = values[0] + values[1] + values[2] + values[5] + values[6] + values[7];
            return busy / TicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }
}
