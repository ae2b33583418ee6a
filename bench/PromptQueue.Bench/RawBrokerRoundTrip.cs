using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace PromptQueue.Bench;

/// <summary>
/// The floor under any queue worker: publish a request-sized message with confirms to a priority queue, consume
/// it, publish a result-sized reply with confirms, receive the reply. No worker logic at all.
/// </summary>
public static class RawBrokerRoundTrip
{
    /// <remarks><paramref name="mixedPriorities"/>: publish with priorities 0-9 in turn (a priority queue keeps one sub-queue per level,
    /// which costs the broker more) rather than all at 0, as the workload being compared does.</remarks>
    public static async Task<Measurement> RunAsync(Uri broker, int count, int concurrency, double rate, byte[] request, byte[] reply, bool mixedPriorities = true)
    {
        // Deliveries handled concurrently up to the prefetch, as the workers do: one at a time would make the
        // "ceiling" the latency of one publisher confirm, not what the broker can carry.
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "promptqueue-bench-raw", ConsumerDispatchConcurrency = (ushort)concurrency };
        await using var connection = await factory.CreateConnectionAsync();
        var confirms = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);
        await using var producer = await connection.CreateChannelAsync(confirms);
        await using var echo = await connection.CreateChannelAsync(confirms);
        await using var replies = await connection.CreateChannelAsync();

        var requestQueue = (await producer.QueueDeclareAsync("", false, true, true,
            new Dictionary<string, object?> { ["x-max-priority"] = 9 })).QueueName;
        var replyQueue = (await replies.QueueDeclareAsync("", false, true, true)).QueueName;
        var started = new ConcurrentDictionary<string, long>();
        var latencies = new ConcurrentBag<double>();
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The "worker": acknowledges each request after its reply is confirmed, like PromptQueue does.
        await echo.BasicQosAsync(0, (ushort)concurrency, false);
        var echoConsumer = new AsyncEventingBasicConsumer(echo);
        echoConsumer.ReceivedAsync += async (_, delivery) =>
        {
            var properties = new BasicProperties { CorrelationId = delivery.BasicProperties.CorrelationId, DeliveryMode = DeliveryModes.Persistent };
            await echo.BasicPublishAsync("", replyQueue, false, properties, reply);
            await echo.BasicAckAsync(delivery.DeliveryTag, false);
        };
        await echo.BasicConsumeAsync(requestQueue, false, echoConsumer);

        var replyConsumer = new AsyncEventingBasicConsumer(replies);
        replyConsumer.ReceivedAsync += (_, delivery) =>
        {
            if (started.TryRemove(delivery.BasicProperties.CorrelationId!, out var t0))
            {
                latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (Interlocked.Increment(ref received) == count)
                {
                    done.TrySetResult();
                }
            }

            return Task.CompletedTask;
        };
        await replies.BasicConsumeAsync(replyQueue, true, replyConsumer);

        var clock = Stopwatch.StartNew();
        var pending = new List<Task>(64);
        for (var i = 0; i < count; i++)
        {
            if (rate > 0 && TimeSpan.FromSeconds(i / rate) - clock.Elapsed is { } wait && wait > TimeSpan.Zero)
            {
                await Task.WhenAll(pending);
                pending.Clear();
                await Task.Delay(wait);
            }

            var id = i.ToString(CultureInfo.InvariantCulture);
            started[id] = Stopwatch.GetTimestamp();
            var properties = new BasicProperties { CorrelationId = id, DeliveryMode = DeliveryModes.Persistent, Priority = mixedPriorities ? (byte)(i % 10) : (byte)0 };
            pending.Add(producer.BasicPublishAsync("", requestQueue, false, properties, request).AsTask());
            if (pending.Count == 64)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        return Measurement.Of(rate > 0 ? $"raw broker round trip at {rate:0}/s" : "raw broker round trip, backlog", count, clock.Elapsed, latencies);
    }
}
