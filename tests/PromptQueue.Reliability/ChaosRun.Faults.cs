using System.Diagnostics;
using PromptQueue.TestSupport;

namespace PromptQueue.Reliability;

// The faults on their schedule, and the worker process they stop and start again.
public sealed partial class ChaosRun
{
    private (DateTimeOffset From, DateTimeOffset To) _redisWindow = (DateTimeOffset.MaxValue, DateTimeOffset.MinValue);

    /// <summary>The faults, spread over the publishing time: connections closed at 10 %, 45 % and 80 %, SIGTERM at 25 % and 65 %, Redis down from 35 %.</summary>
    private async Task FaultsAsync(TimeSpan publishing)
    {
        // CHAOS_FAULTS (comma-separated: close, sigterm, redis) runs a subset, to see what each fault costs.
        var only = Environment.GetEnvironmentVariable("CHAOS_FAULTS")?.Split(',', StringSplitOptions.TrimEntries);
        (double At, string Fault, Func<Task> Act)[] schedule =
        [
            (0.10, "close", CloseAllConnectionsAsync),
            (0.25, "sigterm", RestartWorkerAsync),
            (0.35, "redis", StopRedisAsync),
            (0.45, "close", CloseAllConnectionsAsync),
            (0.65, "sigterm", RestartWorkerAsync),
            (0.80, "close", CloseAllConnectionsAsync),
        ];
        // A restart can take the whole ConsumerStopTimeout (requests held for an open circuit wait for it): it runs
        // alongside, so the other faults keep their times; the next restart waits for the previous one.
        var restarting = Task.CompletedTask;
        foreach (var (at, fault, act) in schedule)
        {
            await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (long)(publishing.Ticks * at) - _clock.Elapsed.Ticks)));
            if (only is not null && !only.Contains(fault))
            {
                continue;
            }

            if (fault == "sigterm")
            {
                await restarting;
                restarting = act();
            }
            else
            {
                await act();
            }
        }

        await restarting;
        await _redisBack;
    }

    private Task _redisBack = Task.CompletedTask;

    /// <summary>Stops Redis and starts it again after <see cref="ChaosSettings.RedisDown"/>, while the other faults go on.</summary>
    private async Task StopRedisAsync()
    {
        await RunAsync("redis-cli", "-h", "127.0.0.1", "-p", $"{settings.RedisPort}", "shutdown", "nosave");
        _redisWindow = (DateTimeOffset.UtcNow, DateTimeOffset.MaxValue);
        Note("Redis stopped");
        _redisBack = Task.Delay(settings.RedisDown).ContinueWith(async _ =>
        {
            await RunAsync("redis-server", "--port", $"{settings.RedisPort}", "--bind", "127.0.0.1", "--daemonize", "yes", "--save", "", "--appendonly", "no");
            _redisWindow = (_redisWindow.From, DateTimeOffset.UtcNow);
            Note("Redis started");
        }, TaskScheduler.Default).Unwrap();
    }

    private void StartWorker()
    {
        _worker = ChildProcess.Start(new ChildProcessStart("dotnet", [settings.WorkerDll, "--contentRoot", settings.WorkerContentRoot])
        {
            Environment = settings.WorkerEnvironment,
            LogPath = pid => Path.Combine(LogDirectory, $"worker-{pid}.log"),
            FormatLine = line => $"{_clock.Elapsed.TotalSeconds,6:0.0} {line}",
        });
        Note($"worker started (pid {_worker.Id})");
    }

    private Task WaitReadyAsync() =>
        _worker!.WaitHealthyAsync("worker", new Uri(new Uri(settings.WorkerEnvironment["Urls"]), "health/ready"), within: TimeSpan.FromSeconds(60), every: TimeSpan.FromMilliseconds(100));

    private async Task StopWorkerAsync()
    {
        if (_worker is not { HasExited: false } worker)
        {
            return;
        }

        await worker.TerminateAsync();
        Note($"SIGTERM sent to the worker (pid {worker.Id})");
        if (!await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException($"The worker (pid {worker.Id}) did not stop within 60 s of SIGTERM.");
        }

        Note($"worker stopped by SIGTERM (exit {worker.ExitCode})");
        await worker.DisposeAsync();
    }

    private async Task RestartWorkerAsync()
    {
        await StopWorkerAsync();
        StartWorker();
        await WaitReadyAsync();
        Note("worker ready again");
    }

    private async Task CloseAllConnectionsAsync()
    {
        await RunAsync("rabbitmqctl", "-q", "close_all_connections", "promptqueue chaos run");
        Note("all RabbitMQ connections closed");
    }

    private static async Task RunAsync(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
    }
}
