using System.Diagnostics;
using System.Globalization;

namespace PromptQueue.TestSupport;

/// <summary>
/// A process a suite or bench starts (worker, simulator, plain worker): output to a log file, ready when a health
/// URL answers, stopped with SIGTERM so a worker drains as it does in production. Reads the process's CPU time and
/// resident memory from /proc.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    // Linux's USER_HZ: 100 on every architecture .NET runs on.
    private const int ClockTicksPerSecond = 100;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Func<string, string> _formatLine;
    private bool _logClosed;

    private ChildProcess(Process process, StreamWriter log, Func<string, string> formatLine)
    {
        _process = process;
        _log = log;
        _formatLine = formatLine;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ChildProcess Start(ChildProcessStart start)
    {
        var info = new ProcessStartInfo(start.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in start.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in start.Environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var log = new StreamWriter(start.LogPath(process.Id), start.AppendToLog) { AutoFlush = true };
        var child = new ChildProcess(process, log, start.FormatLine);
        process.OutputDataReceived += (_, e) => child.Write(e.Data);
        process.ErrorDataReceived += (_, e) => child.Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Polls <paramref name="health"/> until it answers with success; fails early if the process exits first.</summary>
    public async Task WaitHealthyAsync(string name, Uri health, TimeSpan within, TimeSpan every)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < within)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {_process.ExitCode} before it was ready; see its log.");
            }

            try
            {
                using var response = await http.GetAsync(health);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(every);
        }

        throw new TimeoutException($"{name} was not ready at {health} within {within.TotalSeconds:0} s.");
    }

    /// <summary>Sends SIGTERM (.NET's Process.Kill is SIGKILL, which would not let a worker drain).</summary>
    public async Task TerminateAsync()
    {
        using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await term.WaitForExitAsync();
    }

    /// <summary>Whether the process exited (and its output was read to the end) within <paramref name="within"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>User + system CPU seconds the process has used so far.</summary>
    public double CpuSeconds()
    {
        // /proc/{pid}/stat: fields after the ")" that ends the command name; utime and stime are the 14th and 15th.
        var stat = File.ReadAllText($"/proc/{Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / (double)ClockTicksPerSecond;
    }

    /// <summary>Resident set size in bytes (VmRSS).</summary>
    public long RssBytes()
    {
        var line = File.ReadLines($"/proc/{Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Dispose();
        lock (_log)
        {
            // A line still on its way from a process that did not exit must not hit a closed file.
            _logClosed = true;
        }

        await _log.DisposeAsync();
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (!_logClosed)
            {
                _log.WriteLine(_formatLine(line));
            }
        }
    }
}
