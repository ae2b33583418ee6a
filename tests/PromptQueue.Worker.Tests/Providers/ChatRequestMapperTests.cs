using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Worker.Providers.OpenAi;

namespace PromptQueue.Worker.Tests.Providers;

public class ChatRequestMapperTests
{
    [Fact]
    public void Generation_fields_map_to_openai_snake_case_and_tools_pass_through()
    {
        using var tools = JsonDocument.Parse("""[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}]""");
        using var format = JsonDocument.Parse("""{"type":"json_object"}""");
        var request = TestRequests.Valid() with
        {
            Temperature = 0.2,
            TopP = 0.9,
            MaxTokens = 99,
            Seed = 7,
            Stop = ["END"],
            Tools = tools.RootElement.Clone(),
            ToolChoice = JsonDocument.Parse("\"auto\"").RootElement.Clone(),
            ResponseFormat = format.RootElement.Clone(),
        };

        var body = ChatRequestMapper.ToOpenAi(request, "provider-model").ToJsonString();

        Assert.Contains("\"model\":\"provider-model\"", body, StringComparison.Ordinal);
        Assert.Contains("\"max_tokens\":99", body, StringComparison.Ordinal);
        Assert.Contains("\"top_p\":0.9", body, StringComparison.Ordinal);
        Assert.Contains("\"seed\":7", body, StringComparison.Ordinal);
        Assert.Contains("\"stop\":[\"END\"]", body, StringComparison.Ordinal);
        Assert.Contains("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\"", body, StringComparison.Ordinal);
        Assert.Contains("\"tool_choice\":\"auto\"", body, StringComparison.Ordinal);
        Assert.Contains("\"response_format\":{\"type\":\"json_object\"}", body, StringComparison.Ordinal);
        Assert.DoesNotContain("presence_penalty", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Tool_turns_keep_call_ids_and_content_parts()
    {
        var request = TestRequests.Valid() with
        {
            Messages =
            [
                new ChatMessage { Role = "user", Content = new ChatContent { Parts = [new ContentPart { Type = "text", Text = "hi" }] } },
                new ChatMessage { Role = "tool", ToolCallId = "call_1", Content = "42" },
            ],
        };

        var body = ChatRequestMapper.ToOpenAi(request, "m").ToJsonString();

        Assert.Contains("\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]", body, StringComparison.Ordinal);
        Assert.Contains("\"tool_call_id\":\"call_1\"", body, StringComparison.Ordinal);
    }
}
