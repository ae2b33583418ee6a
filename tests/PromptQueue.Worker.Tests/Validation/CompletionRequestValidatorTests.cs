using PromptQueue.Contracts;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Tests.Validation;

public class CompletionRequestValidatorTests
{
    private readonly CompletionRequestValidator _validator = new(new StaticOptionsMonitor<ProvidersOptions>(TestRequests.Providers()));

    [Fact]
    public void Valid_request_has_no_problem() => Assert.Null(_validator.Validate(TestRequests.Valid()));

    public static TheoryData<string, CompletionRequest> InvalidRequests() => new()
    {
        { "requestId", TestRequests.Valid() with { RequestId = "" } },
        { "requestId", TestRequests.Valid() with { RequestId = new string('x', 200) } },
        { "tenantId", TestRequests.Valid() with { TenantId = "" } },
        { "tenantId", TestRequests.Valid() with { TenantId = "acme.#" } },
        { "schemaVersion", TestRequests.Valid() with { SchemaVersion = 99 } },
        { "model", TestRequests.Valid() with { Model = "" } },
        { "not served", TestRequests.Valid() with { Model = "gpt-unknown" } },
        { "messages", TestRequests.Valid() with { Messages = [] } },
        { "role", TestRequests.Valid() with { Messages = [new ChatMessage { Role = "wizard", Content = "hi" }] } },
        { "no content", TestRequests.Valid() with { Messages = [new ChatMessage { Role = "user", Content = "" }] } },
        { "priority", TestRequests.Valid() with { Priority = 10 } },
        { "priority", TestRequests.Valid() with { Priority = -1 } },
        { "maxTokens", TestRequests.Valid() with { MaxTokens = 1001 } },
        { "maxTokens", TestRequests.Valid() with { MaxTokens = 0 } },
        { "temperature", TestRequests.Valid() with { Temperature = 2.5 } },
        { "topP", TestRequests.Valid() with { TopP = 0 } },
        { "stop", TestRequests.Valid() with { Stop = ["a", "b", "c", "d", "e"] } },
        { "replyTo", TestRequests.Valid() with { ReplyTo = "bad\nqueue" } },
        { "U+0000", TestRequests.Valid() with { Messages = [new ChatMessage { Role = "user", Content = "ignore\u0000 this" }] } },
        { "U+001B", TestRequests.Valid() with { Messages = [new ChatMessage { Role = "user", Content = new ChatContent { Parts = [new ContentPart { Text = "tab\tok, escape \u001b no" }] } }] } },
    };

    [Fact]
    public void Tabs_and_line_breaks_are_ordinary_text() =>
        Assert.Null(_validator.Validate(TestRequests.Valid("line one\r\n\tline two\n")));

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public void Invalid_request_is_reported_with_the_field_at_fault(string expected, CompletionRequest request)
    {
        var problem = _validator.Validate(request);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Content_parts_count_as_content()
    {
        var request = TestRequests.Valid() with
        {
            Messages = [new ChatMessage { Role = "user", Content = new ChatContent { Parts = [new ContentPart { Type = "text", Text = "hi" }] } }],
        };

        Assert.Null(_validator.Validate(request));
    }

    [Fact]
    public void Assistant_turn_with_only_tool_calls_is_valid()
    {
        using var toolCalls = System.Text.Json.JsonDocument.Parse("""[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]""");
        var request = TestRequests.Valid() with
        {
            Messages =
            [
                new ChatMessage { Role = "user", Content = "call f" },
                new ChatMessage { Role = "assistant", ToolCalls = toolCalls.RootElement.Clone() },
                new ChatMessage { Role = "tool", ToolCallId = "c1", Content = "42" },
            ],
        };

        Assert.Null(_validator.Validate(request));
    }
}
