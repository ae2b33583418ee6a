using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Processing;
using PromptQueue.Worker.Providers;

namespace PromptQueue.Worker.Tests.Messaging;

public class WorkerOptionsTests
{
    [Fact]
    public void Missing_configuration_yields_one_default_lane() =>
        Assert.Equal(["default"], new MessagingOptions().EffectiveLanes.Keys);

    [Theory]
    [InlineData("Messaging:Lanes:bad name!:ConcurrencyLimit", "4", "Lanes names")]
    [InlineData("Messaging:Lanes:default:PrefetchCount", "2", "PrefetchCount")]
    [InlineData("Messaging:Lanes:default:BatchMaxSize", "500", "BatchMaxSize")]
    [InlineData("Messaging:RabbitMqUri", "http://127.0.0.1/", "RabbitMqUri")]
    [InlineData("Tenants:ByTenant:acme:MaxPriority", "12", "MaxPriority")]
    public void Bad_configuration_fails_at_start_with_a_clear_message(string key, string value, string expected)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Providers:Endpoints:sim:BaseUrl"] = "http://127.0.0.1:1/v1/",
            ["Providers:Models:sim-small:Endpoints:0"] = "sim",
            [key] = value,
        });
        builder.AddServiceDefaults();
        builder.AddProviders();
        builder.AddRequestProcessing();
        builder.AddMessaging();
        using var app = builder.Build();

        var failure = Assert.ThrowsAny<OptionsValidationException>(() =>
        {
            _ = app.Services.GetRequiredService<IOptions<MessagingOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<PromptQueue.Worker.Tenancy.TenantsOptions>>().Value;
        });
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }
}
