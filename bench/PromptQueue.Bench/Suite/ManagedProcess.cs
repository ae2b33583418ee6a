using PromptQueue.TestSupport;

namespace PromptQueue.Bench.Suite;

/// <summary>
/// A service the suite starts (simulator, worker, plain worker): `dotnet app.dll` with its settings as environment
/// variables, its output appended to {name}.log, ready when its health URL answers, stopped with SIGTERM (killed
/// after a minute) so a worker drains the way it does in production.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private ManagedProcess(string name, ChildProcess process, TimeSpan startup)
    {
        Name = name;
        _process = process;
        Startup = startup;
    }

    public string Name { get; }

    /// <summary>From `dotnet` started to the health URL answering (for a worker: /health/ready, its lanes consuming).</summary>
    public TimeSpan Startup { get; }

    public int Id => _process.Id;

    public static async Task<ManagedProcess> StartAsync(string name, string dll, string contentRoot, Uri url, Uri health,
        IReadOnlyDictionary<string, string> environment, string logDirectory)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var process = ChildProcess.Start(new ChildProcessStart("dotnet", [dll, "--urls", url.ToString().TrimEnd('/'), "--contentRoot", contentRoot])
        {
            Environment = environment,
            LogPath = _ => Path.Combine(logDirectory, $"{name}.log"),
            AppendToLog = true,
        });
        await process.WaitHealthyAsync(name, health, within: TimeSpan.FromMinutes(2), every: TimeSpan.FromMilliseconds(50));
        return new ManagedProcess(name, process, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    /// <summary>User + system CPU seconds the process has used so far.</summary>
    public double CpuSeconds() => _process.CpuSeconds();

    /// <summary>Resident set size in bytes (VmRSS).</summary>
    public long RssBytes() => _process.RssBytes();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await _process.TerminateAsync();
            if (!await _process.WaitForExitAsync(TimeSpan.FromSeconds(60)))
            {
                await _process.KillAsync();
            }
        }

        await _process.DisposeAsync();
    }
}
