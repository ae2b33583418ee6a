using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace PromptQueue.IntegrationTests.Diagnostics;

/// <summary>
/// A producer's W3C traceparent header is continued by the worker's process span and the provider's HTTP call: one
/// trace from publish to provider (MassTransit's own receive/consume spans continue its MT-Activity-Id header). An ActivityListener stands in for the
/// OTLP exporter (which only adds export to the same spans).
/// </summary>
public sealed class TracingTests(BrokerFixture broker) : LaneTestBase(broker, "trace")
{
    [Fact]
    public async Task Producer_trace_continues_through_consume_process_and_provider_call()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpan = ActivitySpanId.CreateRandom().ToHexString();
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "MassTransit" or "System.Net.Http" or "PromptQueue.Worker",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var results = await ListenAsync();
        await using var worker = await StartWorkerAsync();

        var request = WorkerHost.Request(Tenant, "traced question");
        await using (var channel = await Broker.Connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            var properties = new BasicProperties
            {
                ContentType = "application/json",
                Headers = new Dictionary<string, object?> { ["traceparent"] = $"00-{traceId}-{parentSpan}-01" },
            };
            await channel.BasicPublishAsync("", WireSchema.RequestQueue(Lane), mandatory: true, properties, JsonSerializer.SerializeToUtf8Bytes(request, WireJson.Options));
        }

        await results.WaitForAsync(1, TimeSpan.FromSeconds(30));
        await Task.Delay(500); // spans stop as their scopes end

        var producerSpan = ActivitySpanId.CreateFromString(parentSpan);
        var process = Assert.Single(spans, s => s.Source.Name == "PromptQueue.Worker");
        var http = Assert.Single(spans, s => s.Source.Name == "System.Net.Http");
        Assert.Equal(process.SpanId, http.ParentSpanId);
        Assert.Equal(producerSpan, process.ParentSpanId);
        Assert.Equal("sim-small", process.GetTagItem("gen_ai.request.model"));
    }
}
