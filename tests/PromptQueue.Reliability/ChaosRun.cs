using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using PromptQueue.Contracts;
using PromptQueue.TestSupport;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Spectre.Console;

namespace PromptQueue.Reliability;

/// <summary>
/// Publishes requests at a steady rate to a worker process while breaking what it depends on: every RabbitMQ
/// connection closed three times (rabbitmqctl close_all_connections), Redis stopped for a while, the worker
/// stopped with SIGTERM and started again twice (the simulator meanwhile fails, rate-limits and stalls a share of
/// calls, as scripts/chaos configures it). Then counts what every request got. Loopback only; bounded in time.
/// </summary>
public sealed partial class ChaosRun(ChaosSettings settings)
{
    private readonly string _tenant = $"chaos{DateTime.UtcNow:HHmmss}";
    private readonly List<string> _timeline = [];
    private readonly Stopwatch _clock = new();
    private DateTimeOffset _startedAt;
    private ChildProcess? _worker;

    /// <summary>Where each worker process's output goes (CHAOS_LOG_DIR, else the temp directory).</summary>
    public static string LogDirectory => Environment.GetEnvironmentVariable("CHAOS_LOG_DIR") ?? Path.GetTempPath();

    public async Task<ChaosReport> RunAsync()
    {
        var factory = new ConnectionFactory { Uri = settings.Broker, AutomaticRecoveryEnabled = true, NetworkRecoveryInterval = TimeSpan.FromMilliseconds(500), ClientProvidedName = "promptqueue-chaos" };
        await using var connection = await factory.CreateConnectionAsync();
        var resultsQueue = $"chaos.results.{_tenant}";
        await using var results = await ResultCollector.StartAsync(connection, _tenant, durableQueue: resultsQueue);
        using var simulator = new HttpClient { BaseAddress = settings.Simulator };
        await simulator.PostAsync("sim/reset", null);
        await PurgeLaneAsync(connection);

        StartWorker();
        await WaitReadyAsync();
        _clock.Start();
        _startedAt = DateTimeOffset.UtcNow;
        var requests = Enumerable.Range(0, settings.Count).Select(i => new CompletionRequest
        {
            RequestId = $"{_tenant}-{i}",
            TenantId = _tenant,
            Model = "sim-small",
            MaxTokens = 32,
            Temperature = 0,
            Priority = i % 10,
            CreatedAt = DateTimeOffset.UtcNow,
            Messages = [new ChatMessage { Role = "user", Content = $"Chaos question number {i}: summarise ticket {i * 7919 % 100_000}." }],
        }).ToList();
        var publishing = TimeSpan.FromSeconds(settings.Count / settings.Rate);
        var faults = FaultsAsync(publishing);
        var republished = await PublishAsync(connection, requests);
        await faults;

        await ResultCollector.WaitAsync(() => Task.FromResult(requests.All(r => results.Has(r.RequestId))),
            settings.Timeout, poll: TimeSpan.FromMilliseconds(500), grace: TimeSpan.FromSeconds(3));
        Note("collected");
        await StopWorkerAsync();
        var providerCalls = (await simulator.GetFromJsonAsync<JsonElement>("sim/stats")).GetProperty("requests").GetInt32();
        // A request needs one answered call at most (none when a cache or another request's call answered it).
        var answered = (await simulator.GetFromJsonAsync<List<AnsweredCall>>("sim/answered") ?? []).GroupBy(c => c.Text, StringComparer.Ordinal).ToList();
        var paidTwice = answered.Sum(g => g.Count() - 1);
        foreach (var twice in answered.Where(g => g.Count() > 1).Take(12))
        {
            // When each paid call ran, on this run's clock, to line up with the fault timeline.
            var calls = string.Join("; ", twice.Select(c => $"{Since(c.ReceivedAt):0.0}-{Since(c.AnsweredAt):0.0} s"));
            Note($"answer paid twice: request {Regex.Match(twice.Key, @"number (\d+):").Groups[1].Value} (calls {calls})");
        }
        await ExplainExtraCallsAsync(simulator, results);
        await using (var cleanup = await connection.CreateChannelAsync())
        {
            await cleanup.QueueDeleteAsync(resultsQueue);
        }

        return Report(results, requests, republished, providerCalls, paidTwice);
    }

    private ChaosReport Report(ResultCollector results, List<CompletionRequest> requests, int republished, int providerCalls, int paidTwice)
    {
        var (downFrom, downTo) = _redisWindow;
        int missing = 0, conflictingOutside = 0, conflictingInside = 0, redundant = 0, attempts = 0;
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            var bag = results.For(request.RequestId);
            if (bag.Count == 0)
            {
                missing++;
                continue;
            }

            var distinct = bag.GroupBy(Signature).ToList();
            redundant += bag.Count - distinct.Count;
            attempts += distinct.Sum(g => g.First().TryGetProperty("attempts", out var a) ? a.GetInt32() : 0);
            var first = distinct[0].First();
            var label = first.GetProperty("outcome").GetString() == "succeeded" ? first.GetProperty("source").GetString()! : first.GetProperty("errorCode").GetString()!;
            outcomes[label] = outcomes.GetValueOrDefault(label) + 1;
            if (distinct.Count > 1)
            {
                // A second, different answer is only excused while Redis (the idempotency record) was down.
                var inside = distinct.Any(g => CompletedAt(g.First()) is { } at && at >= downFrom - TimeSpan.FromSeconds(1) && at <= downTo + TimeSpan.FromSeconds(30));
                if (inside)
                {
                    conflictingInside++;
                }
                else
                {
                    conflictingOutside++;
                }
            }
        }

        return new ChaosReport(requests.Count, republished, results.TotalEvents, missing, conflictingOutside, conflictingInside, redundant,
            providerCalls, attempts, paidTwice, outcomes, _timeline);
    }

    /// <summary>Requests the simulator saw more often than their events report attempts: where redelivery cost calls.</summary>
    private async Task ExplainExtraCallsAsync(HttpClient simulator, ResultCollector results)
    {
        var seen = await simulator.GetFromJsonAsync<List<JsonElement>>("sim/requests") ?? [];
        var calls = seen.Select(r => r.GetProperty("lastUserText").GetString() ?? "")
            .Select(text => Regex.Match(text, @"number (\d+):"))
            .Where(m => m.Success).GroupBy(m => $"{_tenant}-{m.Groups[1].Value}").ToDictionary(g => g.Key, g => g.Count());
        var shown = 0;
        foreach (var (id, count) in calls)
        {
            var events = results.For(id);
            var attempts = events.GroupBy(Signature).Sum(g => g.First().TryGetProperty("attempts", out var a) ? a.GetInt32() : 0);
            if (count > attempts && shown++ < 4)
            {
                var first = events.FirstOrDefault();
                var detail = events.Count == 0 ? "no event" : $"{first.GetProperty("outcome").GetString()} {(first.TryGetProperty("source", out var src) ? src.GetString() : "")} attempts {attempts}, received {first.GetProperty("timings").GetProperty("receivedAt").GetDateTimeOffset():HH:mm:ss.fff}";
                Note($"extra calls: {id} called {count}x; {detail}");
            }
        }
    }

    private async Task<int> PublishAsync(IConnection connection, List<CompletionRequest> requests)
    {
        var republished = 0;
        IChannel? channel = null;
        var interval = TimeSpan.FromSeconds(1 / settings.Rate);
        for (var i = 0; i < requests.Count; i++)
        {
            var due = interval * i;
            if (due > _clock.Elapsed)
            {
                await Task.Delay(due - _clock.Elapsed);
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(requests[i], WireJson.Options);
            var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, Priority = (byte)requests[i].Priority };
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    channel ??= await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
                    await channel.BasicPublishAsync("", WireSchema.RequestQueue("default"), mandatory: false, properties, body);
                    break;
                }
                catch (Exception ex) when (attempt < 120 && ex is not OperationCanceledException)
                {
                    // Not confirmed: publish again (at least once; the worker removes duplicates by RequestId).
                    republished++;
                    if (channel is not null)
                    {
                        await channel.DisposeAsync();
                    }

                    channel = null;
                    await Task.Delay(250);
                }
            }
        }

        if (channel is not null)
        {
            await channel.DisposeAsync();
        }

        Note($"published {requests.Count} ({republished} publishes repeated)");
        return republished;
    }

    /// <summary>
    /// A run owns the local broker's default lane: what an earlier run left in it (a failed run's backlog) would be
    /// answered during this one and counted as this run's provider calls.
    /// </summary>
    private static async Task PurgeLaneAsync(IConnection connection)
    {
        foreach (var queue in new[] { WireSchema.RequestQueue("default"), WireSchema.OverflowQueue("default") })
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                await channel.QueuePurgeAsync(queue);
            }
            catch (OperationInterruptedException)
            {
                // not declared yet: nothing to purge
            }
        }
    }

    private double Since(DateTimeOffset at) => (at - _startedAt).TotalSeconds;

    private void Note(string what)
    {
        lock (_timeline)
        {
            _timeline.Add($"{_clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
        }

        AnsiConsole.MarkupLineInterpolated($"[grey]{_clock.Elapsed.TotalSeconds,6:0.0} s[/]  {what}");
    }

    private static string Signature(JsonElement e) =>
        $"{e.GetProperty("outcome").GetString()}|{(e.TryGetProperty("errorCode", out var c) ? c.GetString() : "")}|{(e.TryGetProperty("content", out var t) ? t.GetString() : "")}";

    private static DateTimeOffset? CompletedAt(JsonElement e) =>
        e.TryGetProperty("timings", out var timings) && timings.TryGetProperty("completedAt", out var at) ? at.GetDateTimeOffset() : null;
}
