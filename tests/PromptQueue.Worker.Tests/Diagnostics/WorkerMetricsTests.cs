using System.Diagnostics.Metrics;
using System.Text;
using PromptQueue.Worker.Diagnostics;

namespace PromptQueue.Worker.Tests.Diagnostics;

public class WorkerMetricsTests
{
    [Fact]
    public async Task Measurements_taken_before_the_first_scrape_are_exported()
    {
        await new MeterExportStarter().StartAsync(CancellationToken.None);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new WorkerMetrics(services.GetRequiredService<IMeterFactory>());

        metrics.ResultPublished("metrics-test-lane", "other", "failed", "none", "RateLimited", TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(2));
        metrics.BatchClosed("metrics-test-lane", 3);
        using var stream = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream);
        var exported = Encoding.UTF8.GetString(stream.ToArray());

        Assert.Contains("promptqueue_worker_results{detail=\"RateLimited\",lane=\"metrics-test-lane\",outcome=\"failed\"} 1", exported, StringComparison.Ordinal);
        Assert.Contains("promptqueue_worker_batch_size_count{lane=\"metrics-test-lane\"} 1", exported, StringComparison.Ordinal);
    }
}
