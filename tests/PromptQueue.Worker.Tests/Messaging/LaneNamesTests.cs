using PromptQueue.Worker.Messaging;

namespace PromptQueue.Worker.Tests.Messaging;

public class LaneNamesTests
{
    [Theory]
    [InlineData("rabbitmq://127.0.0.1/promptqueue.requests.default", "default")]
    [InlineData("rabbitmq://127.0.0.1/vhost/promptqueue.requests.gpu-tier", "gpu-tier")]
    [InlineData("rabbitmq://127.0.0.1/other-queue", "other-queue")]
    public void Lane_is_read_from_the_receive_address(string address, string lane) =>
        Assert.Equal(lane, LaneNames.FromInputAddress(new Uri(address)));
}
