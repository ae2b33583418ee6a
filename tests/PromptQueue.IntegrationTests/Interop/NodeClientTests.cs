using System.Text.Json;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Interop;

/// <summary>A Node client written only from docs/wire-format.md (tests/clients/node/wire-client.mjs, amqplib) gets its results.</summary>
public sealed class NodeClientTests(BrokerFixture broker) : LaneTestBase(broker, "node")
{
    [Fact]
    public async Task Node_amqplib_client_publishes_raw_json_and_reads_its_results()
    {
        await using var worker = await StartWorkerAsync();
        string[] arguments =
        [
            Path.Combine(TestPaths.RepositoryRoot(), "tests", "clients", "node", "wire-client.mjs"),
            "--url", Broker.AmqpUri.ToString().TrimEnd('/') + "/%2F", "--lane", Lane, "--tenant", Tenant, "--count", "25",
        ];

        var (exitCode, output, errors) = await ExternalProcess.RunAsync("node", arguments, TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 0, $"node client exited {exitCode}: {output}\n{errors}");
        using var summary = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        Assert.Equal(25, summary.RootElement.GetProperty("succeeded").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("foreign").GetInt32());
        Assert.True(summary.RootElement.GetProperty("metadataEchoed").GetBoolean());
    }
}
