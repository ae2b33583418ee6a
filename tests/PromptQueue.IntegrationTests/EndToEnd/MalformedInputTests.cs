using System.Text;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.EndToEnd;

public sealed class MalformedInputTests(BrokerFixture broker) : LaneTestBase(broker, "bad")
{
    [Fact]
    public async Task Hundred_malformed_messages_among_a_thousand_good_ones_each_get_reported_and_every_good_one_succeeds()
    {
        await using var listener = await ListenAsync();
        var settings = WorkerHost.Lane(Lane, concurrency: 32, batchSize: 16);
        settings["Messaging:MaxBodyBytes"] = "16384";
        await using var worker = await StartWorkerAsync(settings);

        var good = Enumerable.Range(0, 1000).Select(i => WorkerHost.Request(Tenant, $"Good question {i}", priority: i % 10)).ToList();
        var (invalid, unparseable) = Malformed();
        var messages = good.Select(r => (Body: JsonSerializer.SerializeToUtf8Bytes(r, WireJson.Options), Priority: (byte)r.Priority)).ToList();
        var mixed = new List<(byte[] Body, byte Priority)>(messages);
        var slot = 0;
        foreach (var bad in invalid.Select(r => JsonSerializer.SerializeToUtf8Bytes(r, WireJson.Options)).Concat(unparseable))
        {
            slot = (slot + 11) % mixed.Count;
            mixed.Insert(slot, (bad, (byte)5));
        }

        await BrokerClient.PublishRawAsync(Broker.Connection, Lane, mixed);
        var events = await listener.WaitForAsync(1000 + invalid.Count, TimeSpan.FromSeconds(120));

        var byId = events.ToDictionary(e => e.RequestId);
        Assert.All(good, r => Assert.Equal("succeeded", byId[r.RequestId].Outcome));
        Assert.All(invalid, r => Assert.Equal("InvalidRequest", byId[r.RequestId].ErrorCode));
        Assert.Equal(1000 + invalid.Count, events.Count);

        // Every message that cannot be read went to the lane's error queue, with the reason in its headers.
        uint inError = 0;
        for (var i = 0; i < 40 && inError < unparseable.Count; i++)
        {
            inError = await Broker.CountReadyAsync(ErrorQueue);
            await Task.Delay(250);
        }

        Assert.Equal((uint)unparseable.Count, inError);
        await using var channel = await Broker.Connection.CreateChannelAsync();
        var reasons = new List<string>();
        while (await channel.BasicGetAsync(ErrorQueue, autoAck: true) is { } message)
        {
            var header = message.BasicProperties.Headers?["MT-Fault-Message"];
            reasons.Add(header is byte[] bytes ? Encoding.UTF8.GetString(bytes) : header?.ToString() ?? "");
        }

        Assert.All(reasons, reason => Assert.False(string.IsNullOrWhiteSpace(reason)));
        Assert.Contains(reasons, r => r.Contains("exceeds the limit", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("no valid tenantId", StringComparison.Ordinal));
    }

    /// <summary>60 requests that parse but break a rule (each answered InvalidRequest) and 40 bodies that cannot be read (each to the error queue).</summary>
    private (List<CompletionRequest> Invalid, List<byte[]> Unparseable) Malformed()
    {
        var invalid = new List<CompletionRequest>();
        for (var i = 0; i < 10; i++)
        {
            invalid.Add(WorkerHost.Request(Tenant, "unknown model") with { Model = "no-such-model" });
            invalid.Add(WorkerHost.Request(Tenant, "x") with { Messages = [] });
            invalid.Add(WorkerHost.Request(Tenant, "priority 42") with { Priority = 42 });
            invalid.Add(WorkerHost.Request(Tenant, "too many tokens") with { MaxTokens = 1_000_000 });
            invalid.Add(WorkerHost.Request(Tenant, "bad role") with { Messages = [new ChatMessage { Role = "wizard", Content = "abracadabra" }] });
            invalid.Add(WorkerHost.Request(Tenant, "future schema") with { SchemaVersion = 42 });
        }

        var unparseable = new List<byte[]>();
        for (var i = 0; i < 10; i++)
        {
            unparseable.Add(Encoding.UTF8.GetBytes("{{{ not json " + i));
            unparseable.Add(Encoding.UTF8.GetBytes($$"""{"requestId":"x{{i}}","tenantId":"{{Tenant}}","model":"sim-small","priority":"very high","messages":[]}"""));
            unparseable.Add(Encoding.UTF8.GetBytes($$"""{"requestId":"big{{i}}","tenantId":"{{Tenant}}","model":"sim-small","messages":[{"role":"user","content":"{{new string('a', 20_000)}}"}]}"""));
            unparseable.Add(Encoding.UTF8.GetBytes($$"""{"requestId":"anon{{i}}","model":"sim-small","messages":[{"role":"user","content":"who am I"}]}"""));
        }

        return (invalid, unparseable);
    }
}
