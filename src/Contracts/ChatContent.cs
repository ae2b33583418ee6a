namespace PromptQueue.Contracts;

/// <summary>Message content: plain text, or a list of parts (text, image_url, ...).</summary>
public sealed record ChatContent
{
    public string? Text { get; init; }

    public IReadOnlyList<ContentPart>? Parts { get; init; }

    public static implicit operator ChatContent(string text) => new() { Text = text };
}
