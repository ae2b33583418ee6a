using PromptQueue.Contracts;
using PromptQueue.Producer.Sample;
using Spectre.Console;

namespace PromptQueue.Bench;

/// <summary>
/// W3, priority under backlog: a backlog of low-priority requests is published, then a few high-priority ones.
/// Their queue wait is compared with what FIFO would give them: the requests ahead of them (backlog requests not
/// yet answered when they were published: waiting or in flight) divided by the throughput measured in the same run.
/// </summary>
public static class PriorityBench
{
    public sealed record Result(int Backlog, int Urgent, double BacklogPerSecond, long DepthAhead, double FifoWaitMs, Percentiles UrgentQueueWaitMs, Percentiles UrgentEndToEndMs)
    {
        public double Ratio => FifoWaitMs / Math.Max(UrgentQueueWaitMs.P99, 1);
    }

    public static async Task<Result> RunAsync(Uri broker, int backlog, int urgent)
    {
        // Two tenants (the backlog and the urgent requests are separate runs); fair share is off in the bench worker,
        // so what is measured is priority alone.
        var bulkRun = new ProducerRun(new ProducerSettings { RabbitMqUri = broker, Count = backlog, Tenant = "bench-backlog", Quiet = true, Timeout = TimeSpan.FromMinutes(10) }, TimeProvider.System);
        var bulk = Requests("bench-backlog", backlog, priority: 0, "backlog job");
        var bulkTask = bulkRun.RunAsync(bulk, CancellationToken.None);
        while (bulkRun.Published < backlog)
        {
            await Task.Delay(20);
        }

        var depth = (long)(backlog - bulkRun.ReceivedCount);
        var urgentRun = new ProducerRun(new ProducerSettings { RabbitMqUri = broker, Count = urgent, Tenant = "bench-urgent", Quiet = true }, TimeProvider.System);
        var urgentSummary = await urgentRun.RunAsync(Requests("bench-urgent", urgent, priority: 9, "urgent question"), CancellationToken.None);
        var bulkSummary = await bulkTask;
        bulkSummary.EnsureComplete("backlog");
        urgentSummary.EnsureComplete("urgent");

        var throughput = bulkSummary.ThroughputPerSecond;
        return new Result(backlog, urgent, throughput, depth, depth / throughput * 1000, urgentSummary.QueueWaitMs, urgentSummary.EndToEndMs);
    }

    public static void Print(Result result)
    {
        var table = new Table().AddColumns("measure", "value");
        table.AddRow("backlog (priority 0) / urgent (priority 9)", $"{result.Backlog:N0} / {result.Urgent:N0}");
        table.AddRow("throughput draining the backlog", $"{result.BacklogPerSecond:0.0}/s");
        table.AddRow("requests ahead when the urgent ones were published", $"{result.DepthAhead:N0}");
        table.AddRow("FIFO queue wait for them (ahead / throughput)", $"{result.FifoWaitMs:0} ms");
        table.AddRow("urgent queue wait p50 / p99", $"{result.UrgentQueueWaitMs.P50:0.0} / {result.UrgentQueueWaitMs.P99:0.0} ms");
        table.AddRow("urgent end to end p50 / p99", $"{result.UrgentEndToEndMs.P50:0.0} / {result.UrgentEndToEndMs.P99:0.0} ms");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"W3: FIFO wait / urgent queue-wait p99 = [bold]{result.Ratio:0}×[/] (target ≥ 50×)");
    }

    private static List<CompletionRequest> Requests(string tenant, int count, int priority, string text) =>
        Enumerable.Range(0, count).Select(i => new CompletionRequest
        {
            RequestId = $"{tenant}-{Guid.NewGuid():N}",
            TenantId = tenant,
            Model = "sim-small",
            CachePolicy = CachePolicy.Bypass,
            Priority = priority,
            Messages = [new ChatMessage { Role = "user", Content = $"{text} {i}: summarise the incident report." }],
            MaxTokens = 64,
        }).ToList();
}
