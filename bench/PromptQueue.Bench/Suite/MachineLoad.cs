using System.Globalization;

namespace PromptQueue.Bench.Suite;

/// <summary>
/// CPU used on the machine while a workload ran, split into the suite's own processes (this client, the processes it
/// started, RabbitMQ and Redis) and everything else. A figure measured while other processes took a share of two cores
/// says little, so the suite re-runs such a workload once and marks it when the second run was busy too.
/// </summary>
public sealed record LoadReading(double Seconds, double SuiteCores, double OtherCores, int Cores)
{
    /// <summary>The share of the machine's capacity that processes outside the suite used.</summary>
    public double OtherShare => Cores == 0 ? 0 : OtherCores / Cores;
}

/// <summary>One workload's load: the reading of the run that counts, and whether it had to be re-run.</summary>
public sealed record WorkloadLoad(string Workload, LoadReading Reading, bool Rerun)
{
    public bool Trustworthy => Reading.OtherShare <= MachineLoad.OtherShareLimit;
}

/// <summary>
/// Reads /proc (no library reads per-process CPU of processes this one did not start): the machine's busy time from
/// /proc/stat, each process's user + system time from /proc/{pid}/stat. What is not the suite's is the difference, so
/// a process that started and ended inside the window (a compiler, a test run) still counts as another's, unless a
/// suite process reaped it.
/// </summary>
public static class MachineLoad
{
    /// <summary>Others may use at most this share of the machine (0.10 of 2 cores: 0.2 of a core) during a workload.</summary>
    public const double OtherShareLimit = 0.10;

    // USER_HZ: the unit of /proc/stat and /proc/{pid}/stat, 100 on every Linux ABI the suite runs on.
    private const double TicksPerSecond = 100;

    // The broker (Erlang VM and its helpers) and Redis belong to every workload.
    private static readonly HashSet<string> ServiceCommands = ["beam.smp", "erl_child_setup", "epmd", "inet_gethost", "redis-server"];

    public sealed record Snapshot(long Timestamp, long BusyTicks, IReadOnlyDictionary<int, long> SuiteTicks);

    public static Snapshot Take()
    {
        var self = Environment.ProcessId;
        var processes = ReadProcesses();
        var suite = new Dictionary<int, long>();
        foreach (var (pid, process) in processes)
        {
            if (ServiceCommands.Contains(process.Command) || DescendsFrom(pid, self, processes))
            {
                suite[pid] = process.Ticks;
            }
        }

        return new Snapshot(System.Diagnostics.Stopwatch.GetTimestamp(), BusyTicks(), suite);
    }

    public static LoadReading Between(Snapshot start, Snapshot end)
    {
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        // A suite process that started inside the window counts from 0; one that ended inside it counts in its parent's
        // reaped-children time.
        var suiteTicks = end.SuiteTicks.Sum(p => p.Value - start.SuiteTicks.GetValueOrDefault(p.Key));
        var busy = end.BusyTicks - start.BusyTicks;
        var other = Math.Max(0, busy - suiteTicks);
        return seconds <= 0
            ? new LoadReading(0, 0, 0, Environment.ProcessorCount)
            : new LoadReading(seconds, suiteTicks / TicksPerSecond / seconds, other / TicksPerSecond / seconds, Environment.ProcessorCount);
    }

    /// <summary>user + nice + system of the "cpu" line (interrupts and steal are nobody's process).</summary>
    private static long BusyTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(fields[1], CultureInfo.InvariantCulture) + long.Parse(fields[2], CultureInfo.InvariantCulture) + long.Parse(fields[3], CultureInfo.InvariantCulture);
    }

    private sealed record ProcessTicks(string Command, int Parent, long Ticks);

    private static Dictionary<int, ProcessTicks> ReadProcesses()
    {
        var processes = new Dictionary<int, ProcessTicks>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ... utime stime ...": comm may hold spaces and parentheses, so split after the last ")".
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                // utime + stime, and cutime + cstime: the children it has reaped (a worker the suite stopped inside the
                // window is counted in this process's cutime once it is gone).
                processes[pid] = new ProcessTicks(stat[(open + 1)..close], int.Parse(fields[1], CultureInfo.InvariantCulture),
                    fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while /proc was read.
            }
        }

        return processes;
    }

    private static bool DescendsFrom(int pid, int ancestor, Dictionary<int, ProcessTicks> processes)
    {
        for (var (current, hops) = (pid, 0); hops < 64; hops++)
        {
            if (current == ancestor)
            {
                return true;
            }

            if (!processes.TryGetValue(current, out var process) || process.Parent <= 1)
            {
                return false;
            }

            current = process.Parent;
        }

        return false;
    }
}
