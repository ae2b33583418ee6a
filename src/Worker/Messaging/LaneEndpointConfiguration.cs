using MassTransit;
using PromptQueue.Contracts;

namespace PromptQueue.Worker.Messaging;

/// <summary>How every lane's receive endpoint is set up. Non-.NET producers must declare the queue the same way (or not at all).</summary>
public static class LaneEndpointConfiguration
{
    public static void Configure(IReceiveEndpointConfigurator endpoint, IRegistrationContext context, LaneOptions lane, long maxBodyBytes)
    {
        // Plain JSON requests, not bound to MassTransit's message-type exchanges.
        endpoint.ConfigureConsumeTopology = false;
        var json = new SizeLimitedJsonSerializerFactory(maxBodyBytes);
        endpoint.ClearSerialization();
        endpoint.AddSerializer(json, isSerializer: true);
        endpoint.AddDeserializer(json, isDefault: true);
        endpoint.PublishFaults = false;
        endpoint.PrefetchCount = lane.EffectivePrefetch;
        endpoint.ConcurrentMessageLimit = lane.ConcurrencyLimit;
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.SetQueueArgument("x-max-priority", WireSchema.MaxPriority);
            rabbit.Durable = true;
            rabbit.AutoDelete = false;
        }

        // No MassTransit retry: retries live in the provider's HTTP resilience layer only.
        endpoint.ConfigureConsumer<CompletionRequestConsumer>(context);
    }
}
