using System.Text.Json;
using PromptQueue.Contracts;

namespace PromptQueue.Worker.Providers;

/// <summary>What one routed provider call produced: an answer, or a failure with its stable code.</summary>
public sealed record ProviderCallResult
{
    public bool Succeeded => Failure is null;

    public string? Content { get; init; }

    public JsonElement? ToolCalls { get; init; }

    public string? FinishReason { get; init; }

    public TokenUsage Usage { get; init; } = new();

    public string Endpoint { get; init; } = "";

    public int Attempts { get; init; }

    public TimeSpan Elapsed { get; init; }

    public FailureCode? Failure { get; init; }

    public string? FailureMessage { get; init; }

    public bool Retryable { get; init; }

    /// <summary>Every endpoint tried had its circuit open: nothing was sent, and nothing will be until one half-opens.</summary>
    public bool CircuitOpen { get; init; }
}
