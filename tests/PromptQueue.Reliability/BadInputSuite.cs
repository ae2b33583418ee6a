using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PromptQueue.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PromptQueue.Reliability;

/// <summary>What became of the generated messages, per kind, and every message whose fate broke its expectation.</summary>
public sealed record BadInputReport(
    int Published,
    int RefusedByBroker,
    int Succeeded,
    int FailedEvents,
    int InErrorQueue,
    int ErrorQueueWithoutReason,
    IReadOnlyDictionary<string, int> ByKind,
    IReadOnlyList<string> Violations,
    TimeSpan Elapsed);

/// <summary>
/// Publishes a hostile mix to a lane a worker serves, then checks every message's fate: good ones succeed, bad ones
/// get a failed event with the expected code or land in the lane's error queue with a reason, huge ones are refused
/// by the broker at publish (max_message_size), and nothing gets two events.
/// </summary>
public static class BadInputSuite
{
    public static async Task<BadInputReport> RunAsync(IConnection connection, string lane, string tenant, IReadOnlyList<HostileMessage> messages, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var queue = WireSchema.RequestQueue(lane);
        var errorQueue = queue + "_error";
        await using var events = await ResultCollector.StartAsync(connection, tenant);

        var refused = new HashSet<HostileMessage>();
        var publish = await OpenAsync(connection);
        var pending = new List<Task>();
        foreach (var message in messages)
        {
            var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, Priority = message.Priority };
            if (message.Expect == Expectation.RefusedByBroker)
            {
                // Over max_message_size the broker closes the channel: publish these alone, on a channel of their own.
                await Task.WhenAll(pending);
                pending.Clear();
                await using var alone = await OpenAsync(connection);
                try
                {
                    await alone.BasicPublishAsync("", queue, mandatory: true, properties, message.Body);
                }
                catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or PublishException)
                {
                    refused.Add(message);
                }

                continue;
            }

            pending.Add(publish.BasicPublishAsync("", queue, mandatory: true, properties, message.Body).AsTask());
            if (pending.Count >= 200)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
        await publish.DisposeAsync();

        var expectedEvents = messages.Count(m => m.Expect is Expectation.Succeeded or Expectation.Failed);
        var expectedErrors = (uint)messages.Count(m => m.Expect == Expectation.ErrorQueue);
        await using var inspect = await connection.CreateChannelAsync();
        await ResultCollector.WaitAsync(
            async () => events.Requests >= expectedEvents && (await inspect.QueueDeclarePassiveAsync(errorQueue)).MessageCount >= expectedErrors,
            timeout, poll: TimeSpan.FromMilliseconds(250), grace: TimeSpan.FromMilliseconds(500));
        var reasons = new List<string>();
        while (await inspect.BasicGetAsync(errorQueue, autoAck: true) is { } faulted)
        {
            object? header = null;
            faulted.BasicProperties.Headers?.TryGetValue("MT-Fault-Message", out header);
            reasons.Add(header is byte[] bytes ? Encoding.UTF8.GetString(bytes) : header?.ToString() ?? "");
        }

        var violations = new List<string>();
        foreach (var message in messages)
        {
            var got = message.RequestId is { } id ? events.For(id) : [];
            string? problem = message.Expect switch
            {
                Expectation.Succeeded when got.Count != 1 || got[0].GetProperty("outcome").GetString() != "succeeded" => $"expected one succeeded event, got {Describe(got)}",
                Expectation.Failed when got.Count != 1 || got[0].GetProperty("outcome").GetString() != "failed" || got[0].GetProperty("errorCode").GetString() != message.Code.ToString()
                    => $"expected one failed event {message.Code}, got {Describe(got)}",
                Expectation.ErrorQueue when got.Count > 0 => $"expected the error queue, got {Describe(got)}",
                Expectation.RefusedByBroker when !refused.Contains(message) => "expected the broker to refuse it at publish",
                _ => null,
            };
            if (problem is not null)
            {
                violations.Add($"{message.Kind} ({message.RequestId}): {problem}");
            }
        }

        if (reasons.Count != (int)expectedErrors)
        {
            violations.Add($"error queue holds {reasons.Count} messages, expected {expectedErrors}");
        }

        var withoutReason = reasons.Count(string.IsNullOrWhiteSpace);
        if (withoutReason > 0)
        {
            violations.Add($"{withoutReason} error-queue messages carry no reason");
        }

        return new BadInputReport(
            messages.Count - refused.Count,
            refused.Count,
            events.AllEvents.Count(e => e.GetProperty("outcome").GetString() == "succeeded"),
            events.AllEvents.Count(e => e.GetProperty("outcome").GetString() == "failed"),
            reasons.Count,
            withoutReason,
            messages.GroupBy(m => m.Kind).ToDictionary(g => g.Key, g => g.Count()),
            violations,
            clock.Elapsed);
    }

    private static Task<IChannel> OpenAsync(IConnection connection) =>
        connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

    private static string Describe(List<JsonElement> events) =>
        events.Count == 0 ? "nothing" : string.Join(", ", events.Select(e => $"{e.GetProperty("outcome").GetString()} {(e.TryGetProperty("errorCode", out var code) ? code.GetString() : "")}".Trim()));
}
