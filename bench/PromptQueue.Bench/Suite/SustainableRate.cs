using PromptQueue.Producer.Sample;

namespace PromptQueue.Bench.Suite;

/// <summary>One open-loop trial: requests published at a fixed rate for a fixed time, whatever the worker does.</summary>
public sealed record RateTrial(double Rate, int Requests, int Answered, int Failed, Percentiles EndToEndMs, long ProviderCalls,
    double WorkerCpuSeconds, IReadOnlyDictionary<string, int> BySource, W2Verdict Verdict, bool Passed)
{
    public double CallsPerRequest => Requests == 0 ? 0 : ProviderCalls / (double)Requests;

    public double CpuSecondsPerRequest => Requests == 0 ? 0 : WorkerCpuSeconds / Requests;
}

/// <summary>
/// The highest open-loop arrival rate a worker sustains: every request answered successfully and p99 end to end under
/// the bound. A geometric ladder (×1.25) until a trial fails, then bisection between the last pass and the first failure.
/// </summary>
public sealed class SustainableRate(SuiteServices services, W2Traffic traffic, TimeSpan trialLength, double p99BoundMs)
{
    public async Task<IReadOnlyList<RateTrial>> SearchAsync(string worker, ManagedProcess process, double startRate, int bisections, Action<RateTrial> report)
    {
        var trials = new List<RateTrial>();
        double? passed = null, failed = null;
        var rate = startRate;
        while (trials.Count < 12 && rate >= 0.5)
        {
            var trial = await TrialAsync(worker, process, rate, trials.Count);
            trials.Add(trial);
            report(trial);
            if (trial.Passed)
            {
                passed = rate;
                rate *= 1.25;
            }
            else
            {
                failed = rate;
                rate /= 1.5; // only when nothing passed yet: the first rung was already too fast
            }

            if (passed is not null && failed is not null)
            {
                break;
            }
        }

        for (var i = 0; i < bisections && passed is { } low && failed is { } high; i++)
        {
            var trial = await TrialAsync(worker, process, Math.Round((low + high) / 2, 1), trials.Count);
            trials.Add(trial);
            report(trial);
            if (trial.Passed)
            {
                passed = trial.Rate;
            }
            else
            {
                failed = trial.Rate;
            }
        }

        return trials;
    }

    private async Task<RateTrial> TrialAsync(string worker, ManagedProcess process, double rate, int index)
    {
        var tenant = $"w2-{worker}-{Guid.NewGuid():N}"[..24] + $"-{index}";
        var count = (int)Math.Round(rate * trialLength.TotalSeconds);
        var requests = traffic.Requests(tenant, count);
        await services.ResetSimulatorAsync();
        var cpuBefore = process.CpuSeconds();
        var run = new ProducerRun(new ProducerSettings
        {
            RabbitMqUri = services.Broker,
            Count = count,
            Rate = rate,
            Tenant = tenant,
            Quiet = true,
            Timeout = trialLength + TimeSpan.FromSeconds(60),
        }, TimeProvider.System);
        var summary = await run.RunAsync(requests, CancellationToken.None);
        var cpu = process.CpuSeconds() - cpuBefore;
        var calls = await services.ProviderCallsAsync();
        if (summary.Missing > 0)
        {
            // Timed out: what is still queued must not slow the next trial down.
            await services.PurgeDefaultLaneAsync();
            await Task.Delay(TimeSpan.FromSeconds(5));
        }

        var results = run.Results;
        var passed = summary.Missing == 0 && summary.Failed == 0 && summary.EndToEndMs.P99 < p99BoundMs;
        return new RateTrial(rate, count, summary.Received, summary.Failed, summary.EndToEndMs, calls, cpu, summary.BySource,
            traffic.Judge(requests, results), passed);
    }
}
