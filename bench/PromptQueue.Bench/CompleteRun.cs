using PromptQueue.Producer.Sample;

namespace PromptQueue.Bench;

public static class CompleteRun
{
    /// <summary>
    /// The run's summary when every request got exactly one successful result; otherwise throws, since its
    /// throughput and latency would not describe the requests that were sent.
    /// </summary>
    public static RunSummary EnsureComplete(this RunSummary run, string name)
    {
        if (run.Missing > 0 || run.Failed > 0 || run.Duplicates > 0)
        {
            throw new InvalidOperationException($"{name}: {run.Missing} missing, {run.Failed} failed, {run.Duplicates} duplicates");
        }

        return run;
    }
}
