using PromptQueue.Producer.Sample;

namespace PromptQueue.Bench.Suite;

/// <summary>What a trial is in a search: an uncounted warm-up, a measurement, or the repeat of one that failed or ran busy.</summary>
public enum TrialRole
{
    WarmUp,
    Measured,
    Repeat,
}

/// <summary>One open-loop trial: requests published at a fixed rate for a fixed time, whatever the worker does.</summary>
public sealed record RateTrial(double Rate, int Requests, int Answered, int Failed, Percentiles EndToEndMs, long ProviderCalls,
    double WorkerCpuSeconds, IReadOnlyDictionary<string, int> BySource, W2Verdict Verdict, bool Passed)
{
    public TrialRole Role { get; init; } = TrialRole.Measured;

    /// <summary>False for a warm-up and for a trial its repeat replaced: the search decided on the other.</summary>
    public bool Counted { get; init; } = true;

    public LoadReading? Load { get; init; }

    public double CallsPerRequest => Requests == 0 ? 0 : ProviderCalls / (double)Requests;

    public double CpuSecondsPerRequest => Requests == 0 ? 0 : WorkerCpuSeconds / Requests;
}

/// <summary>How a search walks: from where, by what factor up the ladder, how many bisections after the bracket.</summary>
public sealed record SearchPlan(double StartRate, double Factor, int Bisections);

/// <summary>One worker's search in one round: every trial in the order run, and the rate it sustained.</summary>
public sealed record RateSearch(string Worker, int Round, IReadOnlyList<RateTrial> Trials)
{
    public RateTrial? Sustained => Trials.Where(t => t.Counted && t.Passed).MaxBy(t => t.Rate);

    /// <summary>Whether every counted trial ran with others' CPU use under the limit.</summary>
    public bool Trustworthy => Trials.Where(t => t.Counted).All(t => t.Load is null || t.Load.OtherShare <= MachineLoad.OtherShareLimit);
}

/// <summary>
/// The highest open-loop arrival rate a worker sustains: every request answered successfully and p99 end to end under
/// the bound. First an uncounted warm-up trial at the start rate (a fresh process runs its first requests on cold JIT
/// tiers, cold pools and an unsettled provider limit: a search that starts cold fails low and never climbs back);
/// then a geometric ladder until a trial fails, then bisection between the last pass and the first failure. A trial that
/// fails, or ran while other processes used more than <see cref="MachineLoad.OtherShareLimit"/> of the machine, is
/// repeated once and the repeat decides.
/// </summary>
public sealed class SustainableRate(SuiteServices services, W2Traffic traffic, TimeSpan trialLength, double p99BoundMs)
{
    private const int MaxTrials = 12;

    public async Task<RateSearch> SearchAsync(string worker, int round, ManagedProcess process, SearchPlan plan, Action<RateTrial> report)
    {
        var trials = new List<RateTrial>();
        var warmUp = await TrialAsync(worker, process, plan.StartRate, trials.Count) with { Role = TrialRole.WarmUp, Counted = false };
        trials.Add(warmUp);
        report(warmUp);

        double? passed = null, failed = null;
        var rate = plan.StartRate;
        while (trials.Count < MaxTrials && rate >= 0.5)
        {
            if (await DecideAsync(worker, process, rate, trials, report))
            {
                passed = rate;
                rate = Math.Round(rate * plan.Factor, 1);
            }
            else
            {
                failed = rate;
                rate = Math.Round(rate / plan.Factor / plan.Factor, 1); // only when nothing passed yet: the first rung was already too fast
            }

            if (passed is not null && failed is not null)
            {
                break;
            }
        }

        for (var i = 0; i < plan.Bisections && passed is { } low && failed is { } high; i++)
        {
            var middle = Math.Round((low + high) / 2, 1);
            if (await DecideAsync(worker, process, middle, trials, report))
            {
                passed = middle;
            }
            else
            {
                failed = middle;
            }
        }

        return new RateSearch(worker, round, trials);
    }

    /// <summary>Runs a trial at the rate, and once more when it failed or ran busy; the last one decides.</summary>
    private async Task<bool> DecideAsync(string worker, ManagedProcess process, double rate, List<RateTrial> trials, Action<RateTrial> report)
    {
        var trial = await TrialAsync(worker, process, rate, trials.Count);
        trials.Add(trial);
        report(trial);
        var busy = trial.Load is { } load && load.OtherShare > MachineLoad.OtherShareLimit;
        if (trial.Passed && !busy)
        {
            return true;
        }

        trials[^1] = trial with { Counted = false };
        var repeat = await TrialAsync(worker, process, rate, trials.Count) with { Role = TrialRole.Repeat };
        trials.Add(repeat);
        report(repeat);
        return repeat.Passed;
    }

    private async Task<RateTrial> TrialAsync(string worker, ManagedProcess process, double rate, int index)
    {
        var tenant = $"w2-{worker}-{Guid.NewGuid():N}"[..24] + $"-{index}";
        var count = (int)Math.Round(rate * trialLength.TotalSeconds);
        var requests = traffic.Requests(tenant, count);
        await services.ResetSimulatorAsync();
        var cpuBefore = process.CpuSeconds();
        var loadBefore = MachineLoad.Take();
        var run = services.OpenLoopRun(tenant, count, rate, trialLength + TimeSpan.FromSeconds(60));
        var summary = await run.RunAsync(requests, CancellationToken.None);
        var load = MachineLoad.Between(loadBefore, MachineLoad.Take());
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
            traffic.Judge(requests, results), passed) { Load = load };
    }
}
