using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace PromptQueue.Worker.Redis;

/// <summary>
/// Every Redis key of the cache. Keys are hashes (SHA-256 of scope and prompt), never prompts, tenants' names or
/// secrets; the values hold answers and the compared text only.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    /// <summary>Hash: <c>a</c> = answer JSON, <c>x</c> = expiry (unix ms by the worker's clock).</summary>
    public RedisKey Answer(string exactKey) => $"{prefix}:a:{exactKey}";

    /// <summary>Hash: exact key → vector (float16) and text, for the replicas' semantic indexes.</summary>
    public RedisKey Index(string scope) => $"{prefix}:ix:{scope}";

    /// <summary>Set of <c>scope|exactKey</c> tagged with a tag, per owner (tenant or shared scope).</summary>
    public RedisKey Tag(string owner, string tag) => $"{prefix}:t:{Hash(owner + "\n" + tag)}";

    /// <summary>Single-flight lock of an exact key.</summary>
    public RedisKey Flight(string exactKey) => $"{prefix}:f:{exactKey}";

    /// <summary>A RequestId's stored result.</summary>
    public RedisKey Done(string tenantId, string requestId) => $"{prefix}:r:{Hash(tenantId + "\n" + requestId)}";

    /// <summary>Deliveries of a redelivered request.</summary>
    public RedisKey Deliveries(string tenantId, string requestId) => $"{prefix}:d:{Hash(tenantId + "\n" + requestId)}";

    /// <summary>A tenant's quota counter for one kind (requests, tokens) and one minute.</summary>
    public RedisKey Quota(string tenantId, string kind, long minute) => $"{prefix}:q:{Hash(tenantId)}:{kind}:{minute}";

    /// <summary>Stream of cache changes every replica follows.</summary>
    public RedisKey Changes => $"{prefix}:changes";

    private static string Hash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
