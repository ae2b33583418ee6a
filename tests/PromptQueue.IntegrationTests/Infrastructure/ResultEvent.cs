using System.Text.Json;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>A result event as a test client received it.</summary>
public sealed record ResultEvent(JsonElement Json, string RoutingKey, string Raw)
{
    public string RequestId => Json.GetProperty("requestId").GetString()!;

    public string TenantId => Json.GetProperty("tenantId").GetString()!;

    public string Outcome => Json.GetProperty("outcome").GetString()!;

    public string? ErrorCode => Json.TryGetProperty("errorCode", out var c) ? c.GetString() : null;

    public int Attempts => Json.TryGetProperty("attempts", out var a) ? a.GetInt32() : 0;

    public int Priority => Json.TryGetProperty("priority", out var p) ? p.GetInt32() : 0;

    public string? Metadata(string key) => Json.TryGetProperty("metadata", out var m) && m.TryGetProperty(key, out var v) ? v.GetString() : null;
}
