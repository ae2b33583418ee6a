using System.Globalization;
using System.Text.RegularExpressions;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Diagnostics;

/// <summary>
/// A small run through a worker, then GET /metrics as Prometheus would: the metrics docs/metrics.md lists are there
/// with sane values. The registry is shared by every worker in this test process, so this test uses a model name
/// and a lane of its own and reads only series labelled with them.
/// </summary>
public sealed partial class MetricsScrapeTests(BrokerFixture broker) : LaneTestBase(broker, "metrics")
{
    private readonly string _model = TestPaths.UniqueName("metrics-model");

    [Fact]
    public async Task Metrics_of_a_small_run_are_scraped_with_sane_values()
    {
        await using var listener = await ListenAsync();
        var settings = WorkerHost.Lane(Lane);
        settings[$"Providers:Models:{_model}:Endpoints:0"] = "sim";
        settings[$"Providers:Models:{_model}:InputPricePerMillion"] = "2.5";
        settings[$"Providers:Models:{_model}:OutputPricePerMillion"] = "10";
        await using var worker = await StartWorkerAsync(settings);

        var unique = Enumerable.Range(0, 20).Select(i => WorkerHost.Request(Tenant, $"metrics question {i}", model: _model)).ToList();
        await BrokerClient.PublishAsync(Broker.Connection, Lane, unique);
        await listener.WaitForAsync(unique.Count, TimeSpan.FromSeconds(60));
        var repeats = Enumerable.Range(0, 5).Select(i => WorkerHost.Request(Tenant, $"metrics question {i}", model: _model)).ToList();
        await BrokerClient.PublishAsync(Broker.Connection, Lane, repeats);
        await listener.WaitForAsync(unique.Count + repeats.Count, TimeSpan.FromSeconds(60));

        using var http = new HttpClient { BaseAddress = worker.Address };
        var scrape = await http.GetStringAsync("metrics");
        var lane = $"lane=\"{Lane}\"";
        var model = $"model=\"{_model}\"";

        Assert.Equal(25, Sum(scrape, "promptqueue_worker_results", lane, "outcome=\"succeeded\""));
        Assert.Equal(20, Sum(scrape, "promptqueue_worker_request_duration_count", lane, model, "source=\"Provider\""));
        Assert.Equal(5, Sum(scrape, "promptqueue_worker_request_duration_count", lane, model, "source=\"ExactCache\""));
        Assert.InRange(Sum(scrape, "promptqueue_worker_request_duration_sum", lane, model) / 25, 0.0001, 10); // mean seconds
        Assert.Equal(25, Sum(scrape, "promptqueue_worker_queue_wait_count", lane));
        Assert.InRange(Sum(scrape, "promptqueue_worker_batch_size_count", lane), 2, 25);
        var prompt = Sum(scrape, "promptqueue_worker_tokens", model, "direction=\"prompt\"");
        var completion = Sum(scrape, "promptqueue_worker_tokens", model, "direction=\"completion\"");
        Assert.InRange(prompt, 20, 20 * 100);
        Assert.InRange(completion, 20, 20 * 64);
        Assert.Equal(((prompt * 2.5) + (completion * 10)) / 1e6, Sum(scrape, "promptqueue_worker_cost", model), 9);
        Assert.True(Sum(scrape, "promptqueue_worker_cost_saved", model, "source=\"ExactCache\"") > 0);
        Assert.InRange(Sum(scrape, "promptqueue_worker_endpoint_concurrency_limit", "endpoint=\"sim\""), 1, 8 * 100); // one series per worker in this process
        Assert.Contains("promptqueue_worker_endpoint_circuit_open{endpoint=\"sim\"}", scrape, StringComparison.Ordinal);
        Assert.Equal(0, Sum(scrape, "promptqueue_worker_requests_in_flight", lane));
        Assert.Contains($"promptqueue_worker_lane_paused{{{lane}}} 0", scrape, StringComparison.Ordinal);
        Assert.Contains("promptqueue_worker_cache_lookups{", scrape, StringComparison.Ordinal);
        Assert.Contains("promptqueue_worker_provider_call_duration_bucket{", scrape, StringComparison.Ordinal);
        Assert.Contains("system_net_http_http_client_request_duration_count{", scrape, StringComparison.Ordinal); // .NET HTTP client meter (connections, reuse)
        Assert.DoesNotContain(Tenant, scrape, StringComparison.Ordinal); // no tenant labels
    }

    /// <summary>Sum of the samples of <paramref name="name"/> whose labels contain every given label.</summary>
    private static double Sum(string scrape, string name, params string[] labels) =>
        Sample().Matches(scrape)
            .Where(m => m.Groups["name"].Value == name && labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-z_]+)\{(?<labels>[^}]*)\} (?<value>[-+0-9.eE]+|NaN)$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
