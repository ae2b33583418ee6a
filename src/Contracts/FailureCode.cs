using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>Stable failure codes. Names are part of the wire format: never rename, only add.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FailureCode>))]
public enum FailureCode
{
    /// <summary>The request breaks a rule (missing field, unknown model, out-of-range value). Not retryable.</summary>
    InvalidRequest = 1,

    /// <summary>The deadline passed before a provider was called.</summary>
    Expired = 2,

    /// <summary>The provider kept answering 429 after every retry.</summary>
    RateLimited = 3,

    /// <summary>The provider kept failing (5xx, connection errors, open circuit) after every retry.</summary>
    ProviderUnavailable = 4,

    /// <summary>The provider timed out after every retry.</summary>
    ProviderTimeout = 5,

    /// <summary>The provider rejected the request (4xx other than 429).</summary>
    ProviderRejected = 6,

    /// <summary>The prompt plus max tokens exceeds the model's context window.</summary>
    ContextTooLong = 7,

    /// <summary>An unexpected worker error.</summary>
    Internal = 8,

    /// <summary>
    /// The request was delivered more often than the worker allows (it crashed or stalled the worker each time); it
    /// was moved to the lane's error queue. Not retryable as is.
    /// </summary>
    PoisonMessage = 9,

    /// <summary>
    /// The tenant's quota (requests or tokens per minute, Tenants:ByTenant:{id}) is used up for the current minute.
    /// Retryable after the minute ends.
    /// </summary>
    QuotaExceeded = 10,
}
