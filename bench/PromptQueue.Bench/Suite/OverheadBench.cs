using System.Collections.Concurrent;
using System.Diagnostics;
using PromptQueue.Producer.Sample;

namespace PromptQueue.Bench.Suite;

/// <summary>One rate of the overhead workload: the direct call, and PromptQueue with the batch window at its default and at 0.</summary>
public sealed record OverheadPoint(double Rate, Percentiles DirectMs, OverheadRun WindowDefault, OverheadRun WindowZero);

/// <summary>PromptQueue at one rate and window: end to end (publish to result received) and the worker's own time.</summary>
public sealed record OverheadRun(string Window, int Requests, int Failed, Percentiles EndToEndMs, Percentiles WorkerOwnMs, LoadReading Load)
{
    /// <summary>End-to-end percentiles minus the direct call's: what going through the queue and the worker adds.</summary>
    public (double P50, double P99) AddedMs(Percentiles direct) => (EndToEndMs.P50 - direct.P50, EndToEndMs.P99 - direct.P99);
}

/// <summary>
/// Overhead the way gateways report it (LiteLLM, TensorZero): requests at fixed rates to a provider that answers at
/// once, the latency PromptQueue adds over calling that provider directly, and the worker's own share of it (received
/// to completed minus provider time, from the result's timings). Cache bypass: the path every request takes when
/// nothing can be reused. Each measurement follows an uncounted warm-up pass at the same rate.
/// </summary>
public sealed class OverheadBench(SuiteServices services, TimeSpan length)
{
    private const int Connections = 64;

    /// <summary>Direct calls to the simulator, open loop at the rate (each call sent at its time, whatever the earlier ones do).</summary>
    public async Task<Percentiles> DirectAsync(double rate)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(services.Simulator, "v1/"),
        };
        await OpenLoopAsync(http, rate, (int)(rate * length.TotalSeconds / 2), new ConcurrentBag<double>()); // warm-up
        var latencies = new ConcurrentBag<double>();
        await OpenLoopAsync(http, rate, (int)(rate * length.TotalSeconds), latencies);
        return Percentiles.Of(latencies);
    }

    /// <summary>PromptQueue at the rate, through a running worker: a warm-up pass, then the measured one.</summary>
    public async Task<OverheadRun> ThroughWorkerAsync(double rate, string window)
    {
        await PublishAsync(rate, (int)(rate * length.TotalSeconds / 2), "warm");
        var before = MachineLoad.Take();
        var summary = await PublishAsync(rate, (int)(rate * length.TotalSeconds), "measured");
        return new OverheadRun(window, summary.Received, summary.Failed + summary.Missing, summary.EndToEndMs, summary.WorkerOwnMs, MachineLoad.Between(before, MachineLoad.Take()));
    }

    private async Task<RunSummary> PublishAsync(double rate, int count, string pass)
    {
        var tenant = $"bench-ovh-{Guid.NewGuid():N}"[..20];
        var requests = SuiteRunner.BypassRequests(tenant, count);
        var run = services.OpenLoopRun(tenant, count, rate, length + TimeSpan.FromSeconds(60));
        return await run.RunAsync(requests, CancellationToken.None);
    }

    private static async Task OpenLoopAsync(HttpClient http, double rate, int count, ConcurrentBag<double> latencies)
    {
        var started = Stopwatch.GetTimestamp();
        var calls = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(due);
            }

            calls.Add(RecordAsync(http, i, latencies));
        }

        await Task.WhenAll(calls);
    }

    private static async Task RecordAsync(HttpClient http, int i, ConcurrentBag<double> latencies) =>
        latencies.Add(await DirectProviderCalls.CallAsync(http, i));
}
