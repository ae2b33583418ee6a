using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using PromptQueue.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace PromptQueue.Producer.Sample;

/// <summary>
/// Publishes requests as plain JSON through the default exchange to a lane queue (with the AMQP priority set), and
/// reads result events from its own exclusive queue bound to "{tenant}.#" on the results topic exchange.
/// </summary>
public sealed class ProducerRun(ProducerSettings settings, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Sent> _sent = new();
    private readonly ConcurrentDictionary<string, Received> _received = new();
    private int _duplicates;
    private int _published;

    public int Published => Volatile.Read(ref _published);

    public int ReceivedCount => _received.Count;

    /// <summary>Every result received so far, one per request (benchmarks check what each request was served).</summary>
    public IReadOnlyCollection<ReceivedResult> Results => [.. _received.Select(r => new ReceivedResult(r.Key, r.Value.Outcome, r.Value.Detail, r.Value.MatchedRequestId, r.Value.EndToEndMs))];

    public async Task<RunSummary> RunAsync(IReadOnlyList<CompletionRequest> requests, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = settings.RabbitMqUri, ClientProvidedName = "promptqueue-producer-sample" };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var consumeChannel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await using var publishChannel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);

        // Bind before publishing, so no result can arrive before someone listens for it.
        var resultQueue = (await consumeChannel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken)).QueueName;
        await consumeChannel.ExchangeDeclarePassiveAsync(WireSchema.ResultsExchange, cancellationToken);
        await consumeChannel.QueueBindAsync(resultQueue, WireSchema.ResultsExchange, $"{settings.Tenant}.#", cancellationToken: cancellationToken);
        var lane = WireSchema.RequestQueue(settings.Lane);
        await publishChannel.QueueDeclarePassiveAsync(lane, cancellationToken);

        var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumeChannel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            OnResult(delivery.Body.Span, requests.Count, allReceived);
            return Task.CompletedTask;
        };
        await consumeChannel.BasicQosAsync(0, 1000, false, cancellationToken);
        await consumeChannel.BasicConsumeAsync(resultQueue, autoAck: true, consumer, cancellationToken);

        var started = time.GetTimestamp();
        await PublishAllAsync(publishChannel, lane, requests, started, cancellationToken);
        try
        {
            await allReceived.Task.WaitAsync(settings.Timeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Reported as missing in the summary.
        }

        return Summarise(time.GetElapsedTime(started));
    }

    private async Task PublishAllAsync(IChannel channel, string queue, IReadOnlyList<CompletionRequest> requests, long started, CancellationToken cancellationToken)
    {
        var pending = new List<Task>(64);
        for (var i = 0; i < requests.Count; i++)
        {
            if (settings.Rate > 0)
            {
                var due = TimeSpan.FromSeconds(i / settings.Rate) - time.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.WhenAll(pending);
                    pending.Clear();
                    await Task.Delay(due, time, cancellationToken);
                }
            }

            var request = requests[i] with { CreatedAt = time.GetUtcNow() };
            var className = request.Metadata?.GetValueOrDefault("class") ?? request.Priority.ToString(CultureInfo.InvariantCulture);
            _sent[request.RequestId] = new Sent(request.CreatedAt!.Value, className);
            var properties = new BasicProperties
            {
                ContentType = "application/json",
                DeliveryMode = DeliveryModes.Persistent,
                Priority = (byte)Math.Clamp(request.Priority, 0, WireSchema.MaxPriority),
                MessageId = request.RequestId,
            };
            var body = JsonSerializer.SerializeToUtf8Bytes(request, WireJson.Options);
            pending.Add(channel.BasicPublishAsync("", queue, mandatory: false, properties, body, cancellationToken).AsTask());
            Interlocked.Increment(ref _published);
            if (pending.Count >= 64)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
    }

    private void OnResult(ReadOnlySpan<byte> body, int expected, TaskCompletionSource allReceived)
    {
        var now = time.GetUtcNow();
        using var document = JsonDocument.Parse(body.ToArray());
        var root = document.RootElement;
        var requestId = root.GetProperty("requestId").GetString() ?? "";
        if (!_sent.TryGetValue(requestId, out var sent))
        {
            return; // another run of the same tenant
        }

        var outcome = root.GetProperty("outcome").GetString() ?? "";
        var detail = outcome == ResultOutcome.Succeeded
            ? root.TryGetProperty("source", out var s) ? s.GetString() ?? "" : ""
            : root.TryGetProperty("errorCode", out var c) ? c.GetString() ?? "" : "";
        double? queueWait = root.TryGetProperty("timings", out var timings) && timings.TryGetProperty("queueWaitMs", out var q) && q.ValueKind == JsonValueKind.Number ? q.GetDouble() : null;
        var workerMs = timings.ValueKind == JsonValueKind.Object && timings.TryGetProperty("workerMs", out var w) ? w.GetDouble() : 0;
        var providerMs = timings.ValueKind == JsonValueKind.Object && timings.TryGetProperty("providerMs", out var p) ? p.GetDouble() : 0;
        var matched = root.TryGetProperty("matchedRequestId", out var m) ? m.GetString() : null;
        var received = new Received(outcome, detail, (now - sent.CreatedAt).TotalMilliseconds, queueWait, workerMs, providerMs, sent.ClassName, matched);
        if (!_received.TryAdd(requestId, received))
        {
            Interlocked.Increment(ref _duplicates);
        }
        else if (_received.Count >= expected)
        {
            allReceived.TrySetResult();
        }
    }

    private RunSummary Summarise(TimeSpan elapsed)
    {
        var results = _received.Values.ToArray();
        return new RunSummary
        {
            Published = Published,
            Received = results.Length,
            Missing = _sent.Count - results.Length,
            Duplicates = _duplicates,
            Succeeded = results.Count(r => r.Outcome == ResultOutcome.Succeeded),
            Failed = results.Count(r => r.Outcome == ResultOutcome.Failed),
            BySource = results.Where(r => r.Outcome == ResultOutcome.Succeeded).GroupBy(r => r.Detail).ToDictionary(g => g.Key, g => g.Count()),
            ByErrorCode = results.Where(r => r.Outcome == ResultOutcome.Failed).GroupBy(r => r.Detail).ToDictionary(g => g.Key, g => g.Count()),
            ElapsedSeconds = Math.Round(elapsed.TotalSeconds, 2),
            ThroughputPerSecond = Math.Round(results.Length / Math.Max(elapsed.TotalSeconds, 0.001), 1),
            EndToEndMs = Percentiles.Of(results.Select(r => r.EndToEndMs)),
            QueueWaitMs = Percentiles.Of(results.Where(r => r.QueueWaitMs is not null).Select(r => r.QueueWaitMs!.Value)),
            WorkerMs = Percentiles.Of(results.Select(r => r.WorkerMs)),
            WorkerOwnMs = Percentiles.Of(results.Select(r => Math.Max(0, r.WorkerMs - r.ProviderMs))),
            EndToEndMsByClass = results.GroupBy(r => r.ClassName).ToDictionary(g => g.Key, g => Percentiles.Of(g.Select(r => r.EndToEndMs))),
        };
    }

    private sealed record Sent(DateTimeOffset CreatedAt, string ClassName);

    private sealed record Received(string Outcome, string Detail, double EndToEndMs, double? QueueWaitMs, double WorkerMs, double ProviderMs, string ClassName, string? MatchedRequestId);
}

/// <summary>One request's result: outcome, source (or error code), the request whose answer it reused, and its end-to-end time.</summary>
public sealed record ReceivedResult(string RequestId, string Outcome, string Detail, string? MatchedRequestId, double EndToEndMs);
