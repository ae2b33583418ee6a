using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptQueue.ProviderSimulator;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>The provider simulator on a free loopback port, in process.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client;

    private SimulatorHost(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        _client = new HttpClient { BaseAddress = baseUrl };
    }

    public Uri BaseUrl { get; }

    public Uri ApiUrl => new(BaseUrl, "v1/");

    public static async Task<SimulatorHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = TestPaths.EmptyContentRoot(), EnvironmentName = "IntegrationTests" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Simulator:BaseLatencyMs"] = "5",
            ["Simulator:PerTokenLatencyMs"] = "0",
            ["Simulator:JitterMs"] = "5",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddSimulator();
        var app = builder.Build();
        app.MapSimulatorEndpoints();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async Task<IReadOnlyList<ReceivedRequest>> RequestsAsync() => (await _client.GetFromJsonAsync<List<ReceivedRequest>>("sim/requests"))!;

    public async Task ResetAsync() => (await _client.PostAsync("sim/reset", null)).EnsureSuccessStatusCode();

    public async Task<SimulatorStats> StatsAsync() => (await _client.GetFromJsonAsync<SimulatorStats>("sim/stats"))!;

    /// <summary>Waits until the simulator has received at least <paramref name="count"/> calls (in flight or answered).</summary>
    public async Task WaitForRequestsAsync(long count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while ((await StatsAsync()).Requests < count)
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
