using System.Security.Authentication;
using MassTransit;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Publishing;
using PromptQueue.Worker.Security;

namespace PromptQueue.Worker.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit over RabbitMQ for requests, RabbitMQ.Client with confirms for results, and the micro-batcher in
    /// between. Registration order is shutdown order reversed: the batcher and the result publisher are registered
    /// before MassTransit so they keep running while MassTransit drains in-flight deliveries.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<MessagingOptions, MessagingOptionsValidator, MessagingOptionsCustomValidator>(MessagingOptions.SectionName);
        builder.AddValidatedOptions<ResultsOptions, ResultsOptionsValidator>(ResultsOptions.SectionName);

        builder.Services.AddSingleton<ConfirmedChannelPool>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConfirmedChannelPool>());
        builder.Services.AddSingleton<IResultPublisher, RabbitMqResultPublisher>();
        builder.Services.AddSingleton<IOverflowForwarder, RabbitMqOverflowForwarder>();
        builder.Services.AddSingleton<RedeliveryGuard>();
        builder.Services.AddSingleton<FairShareAdmission>();
        builder.Services.AddSingleton<RequestBatcher>();
        builder.Services.AddSingleton<DeliveryCounter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RequestBatcher>());

        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<CompletionRequestConsumer>().ExcludeFromConfigureEndpoints();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                var uri = new Uri(options.RabbitMqUri);
                rabbit.Host(uri, host =>
                {
                    host.ConnectionName("promptqueue-worker");
                    if (uri.Scheme is "amqps" or "rabbitmqs")
                    {
                        host.UseSsl(ssl =>
                        {
                            ssl.ServerName = uri.Host;
                            ssl.Protocol = SslProtocols.Tls12 | SslProtocols.Tls13;
                            if (options.TlsCaCertificateFile is { } ca)
                            {
                                ssl.CertificateValidationCallback = CertificateTrust.TrustingCa(ca);
                            }
                        });
                    }
                });
            });
        });
        builder.Services.AddOptions<MassTransitHostOptions>().Configure<IOptions<MessagingOptions>>((host, messaging) =>
        {
            host.WaitUntilStarted = true;
            host.StartTimeout = TimeSpan.FromMinutes(2);
            host.ConsumerStopTimeout = messaging.Value.ConsumerStopTimeout;
            host.StopTimeout = messaging.Value.ConsumerStopTimeout + TimeSpan.FromSeconds(5);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));

        builder.Services.AddSingleton<LaneSwitchboard>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LaneSwitchboard>());
        builder.Services.AddHealthChecks().AddCheck<ResultPublisherHealthCheck>("result-publisher", tags: ["ready"]);
        return builder;
    }
}
