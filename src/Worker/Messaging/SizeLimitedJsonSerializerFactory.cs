using System.Net.Mime;
using System.Runtime.Serialization;
using MassTransit;
using MassTransit.Configuration;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// MassTransit's raw JSON deserializer behind a body-size check. The check runs inside MassTransit's deserialize
/// step, so an oversized body is moved to the lane's <c>_error</c> queue with the reason in <c>MT-Fault-Message</c>
/// and acknowledged, before any JSON is parsed. (A receive filter throwing instead would nack and requeue it forever.)
/// </summary>
public sealed class SizeLimitedJsonSerializerFactory(long maxBodyBytes) : ISerializerFactory
{
    private readonly SystemTextJsonRawMessageSerializerFactory _inner = new(RawSerializerOptions.AnyMessageType);

    public ContentType ContentType => _inner.ContentType;

    public IMessageSerializer CreateSerializer() => _inner.CreateSerializer();

    public IMessageDeserializer CreateDeserializer() => new SizeLimitedDeserializer(_inner.CreateDeserializer(), maxBodyBytes);

    private sealed class SizeLimitedDeserializer(IMessageDeserializer inner, long maxBodyBytes) : IMessageDeserializer
    {
        public ContentType ContentType => inner.ContentType;

        public void Probe(ProbeContext context) => inner.Probe(context);

        public ConsumeContext Deserialize(ReceiveContext receiveContext)
        {
            var length = receiveContext.Body.Length ?? receiveContext.Body.GetBytes().LongLength;
            if (length > maxBodyBytes)
            {
                throw new SerializationException($"Request body of {length} bytes exceeds the limit of {maxBodyBytes} bytes (Messaging:MaxBodyBytes).");
            }

            return inner.Deserialize(receiveContext);
        }

        public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null) =>
            inner.Deserialize(body, headers, destinationAddress);

        public MessageBody GetMessageBody(string text) => inner.GetMessageBody(text);
    }
}
