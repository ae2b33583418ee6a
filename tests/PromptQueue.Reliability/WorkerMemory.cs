using System.Globalization;

namespace PromptQueue.Reliability;

/// <summary>The worker's working set, read from its /metrics (prometheus-net's process_working_set_bytes).</summary>
public static class WorkerMemory
{
    public static async Task<(long Baseline, long Peak, int Samples)> SampleAsync(HttpClient worker, CancellationToken stop)
    {
        long baseline = 0, peak = 0;
        var samples = 0;
        while (!stop.IsCancellationRequested)
        {
            if (await ReadAsync(worker) is { } bytes)
            {
                baseline = samples == 0 ? bytes : baseline;
                peak = Math.Max(peak, bytes);
                samples++;
            }

            await Task.Delay(250, CancellationToken.None);
        }

        return (baseline, peak, samples);
    }

    public static async Task<bool> HealthyAsync(HttpClient worker)
    {
        try
        {
            using var response = await worker.GetAsync("health/ready");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task<long?> ReadAsync(HttpClient worker)
    {
        try
        {
            var text = await worker.GetStringAsync("metrics");
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("process_working_set_bytes ", StringComparison.Ordinal));
            return line is null ? null : (long)double.Parse(line["process_working_set_bytes ".Length..], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
