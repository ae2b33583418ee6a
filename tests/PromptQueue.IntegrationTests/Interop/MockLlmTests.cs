using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.Worker.Providers;

namespace PromptQueue.IntegrationTests.Interop;

/// <summary>
/// The worker's provider client (pooling, resilience, mapping) against a third-party OpenAI-compatible server,
/// npm's @dwmkerr/mock-llm, started on loopback (scripts/test installs it under tests/interop).
/// </summary>
public sealed class MockLlmTests : IAsyncLifetime
{
    private Process? _server;
    private Uri _baseUrl = null!;

    public async Task InitializeAsync()
    {
        var main = Path.Combine(TestPaths.RepositoryRoot(), "tests", "interop", "node_modules", "@dwmkerr", "mock-llm", "dist", "main.js");
        if (!File.Exists(main))
        {
            throw new InvalidOperationException($"{main} is missing: run scripts/test, or 'npm ci --prefix tests/interop'.");
        }

        var port = FreePort();
        var start = new ProcessStartInfo("node", [main]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestPaths.EmptyContentRoot() };
        start.Environment["HOST"] = "127.0.0.1";
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        _server = Process.Start(start)!;
        _baseUrl = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if ((await http.GetAsync(new Uri(_baseUrl, "health"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("mock-llm did not start within 10 s.");
    }

    public Task DisposeAsync()
    {
        _server?.Kill(entireProcessTree: true);
        _server?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Provider_client_gets_answers_from_a_third_party_openai_compatible_server()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Providers:Endpoints:mock:BaseUrl"] = new Uri(_baseUrl, "v1/").ToString(),
            ["Providers:Endpoints:mock:MaxConnectionsPerServer"] = "4",
            ["Providers:Endpoints:mock:ApiKey"] = "sk-mock",
            ["Providers:Models:gpt-4o-mini:Endpoints:0"] = "mock",
        });
        builder.Services.AddLogging();
        builder.AddProviders();
        using var host = builder.Build();
        var router = host.Services.GetRequiredService<ProviderRouter>();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => router.CompleteAsync(new CompletionRequest
        {
            RequestId = $"m{i}",
            TenantId = "t",
            Model = "gpt-4o-mini",
            Messages = [new ChatMessage { Role = "system", Content = "Echo." }, new ChatMessage { Role = "user", Content = $"Hello mock {i}" }],
            Temperature = 0,
            MaxTokens = 16,
        }, CancellationToken.None)));

        Assert.All(results, r => Assert.True(r.Succeeded, r.FailureMessage));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"Hello mock {i}"), results.Select(r => r.Content));
        Assert.All(results, r => Assert.Equal("stop", r.FinishReason));
        Assert.All(results, r => Assert.Equal("mock", r.Endpoint));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
