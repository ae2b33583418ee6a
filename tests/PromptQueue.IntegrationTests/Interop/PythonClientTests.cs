using System.Text.Json;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Interop;

/// <summary>A Python client written only from docs/wire-format.md (tests/clients/python/wire_client.py) gets its results.</summary>
public sealed class PythonClientTests(BrokerFixture broker) : LaneTestBase(broker, "py")
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Python_pika_client_publishes_raw_json_and_reads_its_results(bool replyQueue)
    {
        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane));
        var tenant = TestPaths.UniqueName("py");
        var arguments = new List<string>
        {
            Path.Combine(TestPaths.RepositoryRoot(), "tests", "clients", "python", "wire_client.py"),
            "--url", Broker.AmqpUri.ToString().TrimEnd('/') + "/%2F", "--lane", Lane, "--tenant", tenant, "--count", "25",
        };
        if (replyQueue)
        {
            arguments.Add("--reply-queue");
        }

        var (exitCode, output, errors) = await ExternalProcess.RunAsync("/usr/bin/python3", arguments, TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 0, $"python client exited {exitCode}: {output}\n{errors}");
        using var summary = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        Assert.Equal(25, summary.RootElement.GetProperty("succeeded").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("foreign").GetInt32());
        Assert.True(summary.RootElement.GetProperty("metadataEchoed").GetBoolean());
    }
}
