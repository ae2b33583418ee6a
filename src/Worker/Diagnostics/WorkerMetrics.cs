using System.Diagnostics.Metrics;

namespace PromptQueue.Worker.Diagnostics;

/// <summary>Worker metrics on a .NET Meter; prometheus-net exports them at /metrics as promptqueue_worker_*.</summary>
public sealed class WorkerMetrics
{
    public const string MeterName = "PromptQueue.Worker";

    private readonly Counter<long> _results;
    private readonly Histogram<double> _workerDuration;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _providerDuration;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Histogram<int> _groupsPerBatch;
    private readonly Counter<long> _coalesced;
    private readonly Histogram<double> _embeddingDuration;
    private readonly Counter<long> _embeddedTexts;
    private readonly Histogram<double> _verifierDuration;
    private readonly Counter<long> _verifiedPairs;
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _cacheStores;
    private readonly Counter<long> _cacheErrors;
    private readonly Counter<long> _singleFlight;
    private readonly Counter<long> _idempotentReplays;
    private readonly Counter<long> _idempotencyUnprotected;
    private readonly Counter<long> _poisonMessages;
    private readonly Counter<long> _circuitWaits;
    private readonly Histogram<double> _rateLimitWait;
    private readonly Counter<long> _movedToOverflow;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _cost;
    private readonly Counter<double> _costSaved;
    private Func<IEnumerable<EndpointLoad>> _endpoints = static () => [];
    private Func<IEnumerable<KeyValuePair<string, bool>>> _lanes = static () => [];

    public WorkerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _results = meter.CreateCounter<long>("results", description: "Terminal result events published, by lane, outcome, source and error code.");
        _workerDuration = meter.CreateHistogram<double>("request_duration", "s", "Time from delivery to confirmed result.");
        _queueWait = meter.CreateHistogram<double>("queue_wait", "s", "Time from the producer's createdAt to delivery.");
        _batchSize = meter.CreateHistogram<int>("batch_size", description: "Requests per micro-batch.");
        _providerDuration = meter.CreateHistogram<double>("provider_call_duration", "s", "Provider call time, retries included.");
        _inFlight = meter.CreateUpDownCounter<long>("requests_in_flight", description: "Requests delivered and not yet answered.");
        _groupsPerBatch = meter.CreateHistogram<int>("groups_per_batch", description: "Provider calls a micro-batch needs after coalescing.");
        _coalesced = meter.CreateCounter<long>("coalesced_requests", description: "Requests answered by another request's provider call.");
        _embeddingDuration = meter.CreateHistogram<double>("embedding_duration", "s", "Time of one batched embedding call.");
        _embeddedTexts = meter.CreateCounter<long>("embedded_texts", description: "Texts embedded.");
        _verifierDuration = meter.CreateHistogram<double>("verifier_duration", "s", "Time of one batched pair-verifier call.");
        _verifiedPairs = meter.CreateCounter<long>("verified_pairs", description: "Candidate pairs the pair verifier scored, by use (cache, coalescing) and verdict (match, reject).");
        _cacheLookups = meter.CreateCounter<long>("cache_lookups", description: "Cache lookups by kind (exact, semantic) and result (l1, l2, hit, miss).");
        _cacheStores = meter.CreateCounter<long>("cache_stores", description: "Provider answers stored in the cache.");
        _cacheErrors = meter.CreateCounter<long>("cache_redis_errors", description: "Redis operations that failed or timed out (the request went on without L2).");
        _singleFlight = meter.CreateCounter<long>("single_flight", description: "Cacheable provider calls: lead (this request called), shared (another's call answered it), timeout (waited, then called).");
        _idempotentReplays = meter.CreateCounter<long>("idempotent_replays", description: "Requests already answered (redelivery, duplicate publish): the stored result was published again.");
        _circuitWaits = meter.CreateCounter<long>("circuit_waits", description: "Times a request waited because every endpoint of its model had an open circuit.");
        _poisonMessages = meter.CreateCounter<long>("poison_messages", description: "Requests delivered more than Messaging:MaxDeliveries times: answered PoisonMessage and moved to the error queue.");
        _tokens = meter.CreateCounter<long>("tokens", description: "Tokens of provider calls as the provider billed them, by model and direction (prompt, completion).");
        _cost = meter.CreateCounter<double>("cost", "USD", "Estimated cost of provider calls (Providers:Models:*:InputPricePerMillion / OutputPricePerMillion).");
        _costSaved = meter.CreateCounter<double>("cost_saved", "USD", "Estimated cost of the provider calls not made because the answer came from the cache or another request's call, by model and source.");
        meter.CreateObservableGauge("endpoint_circuit_open", () => _endpoints().Select(e => new Measurement<int>(e.CircuitOpen ? 1 : 0, new KeyValuePair<string, object?>("endpoint", e.Endpoint))),
            description: "1 while the endpoint's circuit breaker is open (its last call was refused by it), else 0.");
        meter.CreateObservableGauge("lane_paused", () => _lanes().Select(l => new Measurement<int>(l.Value ? 1 : 0, new KeyValuePair<string, object?>("lane", l.Key))),
            description: "1 while a lane consumes nothing (configured Paused or paused through /admin/lanes), else 0.");
        _movedToOverflow = meter.CreateCounter<long>("fair_share_moved", description: "Requests of a tenant over its fair share of a busy lane, moved to the lane's overflow queue.");
        _rateLimitWait = meter.CreateHistogram<double>("rate_limit_wait", "s", "Time a call waited for an endpoint's requests- or tokens-per-minute budget.");
        meter.CreateObservableGauge("endpoint_concurrency_limit", () => _endpoints().Select(e => new Measurement<int>(e.Limit, new KeyValuePair<string, object?>("endpoint", e.Endpoint))),
            description: "Calls an endpoint may have running now (adaptive concurrency).");
        meter.CreateObservableGauge("endpoint_calls_running", () => _endpoints().Select(e => new Measurement<int>(e.Running, new KeyValuePair<string, object?>("endpoint", e.Endpoint))),
            description: "Calls running against an endpoint.");
        meter.CreateObservableGauge("endpoint_calls_waiting", () => _endpoints().Select(e => new Measurement<int>(e.Waiting, new KeyValuePair<string, object?>("endpoint", e.Endpoint))),
            description: "Calls waiting for an endpoint slot.");
        _idempotencyUnprotected = meter.CreateCounter<long>("idempotency_unprotected", description: "Results recorded in this worker only because Redis was down: a redelivery elsewhere could be answered twice.");
    }

    public void RequestStarted(string lane) => _inFlight.Add(1, new KeyValuePair<string, object?>("lane", lane));

    public void RequestEnded(string lane) => _inFlight.Add(-1, new KeyValuePair<string, object?>("lane", lane));

    public void BatchClosed(string lane, int size) => _batchSize.Record(size, new KeyValuePair<string, object?>("lane", lane));

    /// <summary>Counts a published result and records how long the worker and the queue held its request.</summary>
    /// <param name="lane">The lane the request came from.</param>
    /// <param name="model">A configured model name, or "other": labels stay bounded by configuration.</param>
    /// <param name="outcome">succeeded or failed.</param>
    /// <param name="source">Where a success came from (Provider, ExactCache, SemanticCache, Coalesced); "none" for failures.</param>
    /// <param name="detail">The source of a success, the failure code of a failure.</param>
    /// <param name="workerTime">Received to published.</param>
    /// <param name="queueWait">Created to received, when the producer said when it created the request.</param>
    public void ResultPublished(string lane, string model, string outcome, string source, string detail, TimeSpan workerTime, TimeSpan? queueWait)
    {
        _results.Add(1, new("lane", lane), new("outcome", outcome), new("detail", detail));
        _workerDuration.Record(workerTime.TotalSeconds, new("lane", lane), new("model", model), new("source", source), new("outcome", outcome));
        if (queueWait is { } wait && wait >= TimeSpan.Zero)
        {
            _queueWait.Record(wait.TotalSeconds, new KeyValuePair<string, object?>("lane", lane));
        }
    }

    public void BatchPlanned(string lane, int groups, int coalesced)
    {
        _groupsPerBatch.Record(groups, new KeyValuePair<string, object?>("lane", lane));
        if (coalesced > 0)
        {
            _coalesced.Add(coalesced, new KeyValuePair<string, object?>("lane", lane));
        }
    }

    public void Embedded(int texts, TimeSpan elapsed)
    {
        _embeddedTexts.Add(texts);
        _embeddingDuration.Record(elapsed.TotalSeconds);
    }

    public void Verified(string use, int matched, int rejected, TimeSpan elapsed)
    {
        _verifiedPairs.Add(matched, new("use", use), new("verdict", "match"));
        _verifiedPairs.Add(rejected, new("use", use), new("verdict", "reject"));
        _verifierDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("use", use));
    }

    public void ProviderCalled(string endpoint, string status, TimeSpan elapsed) =>
        _providerDuration.Record(elapsed.TotalSeconds, new("endpoint", endpoint), new("status", status));

    /// <summary>Tokens and cost of an answer: billed when the provider made it, saved when it was reused.</summary>
    public void Answered(string model, string source, int promptTokens, int completionTokens, double cost)
    {
        if (source == "Provider")
        {
            _tokens.Add(promptTokens, new("model", model), new("direction", "prompt"));
            _tokens.Add(completionTokens, new("model", model), new("direction", "completion"));
            _cost.Add(cost, new KeyValuePair<string, object?>("model", model));
        }
        else
        {
            _costSaved.Add(cost, new("model", model), new("source", source));
        }
    }

    public void MovedToOverflow(string lane) => _movedToOverflow.Add(1, new KeyValuePair<string, object?>("lane", lane));

    public void RateLimitWait(string endpoint, string budget, TimeSpan waited) =>
        _rateLimitWait.Record(waited.TotalSeconds, new("endpoint", endpoint), new("budget", budget));

    /// <summary>Where the lane gauge reads from: lane name → paused (set once by the lane switchboard).</summary>
    public void ObserveLanes(Func<IEnumerable<KeyValuePair<string, bool>>> lanes) => _lanes = lanes;

    /// <summary>Where the endpoint gauges read from (set once by the provider router).</summary>
    public void ObserveEndpoints(Func<IEnumerable<EndpointLoad>> endpoints) => _endpoints = endpoints;

    public void CacheLookup(string kind, string result) => _cacheLookups.Add(1, new("kind", kind), new("result", result));

    public void CacheStored() => _cacheStores.Add(1);

    public void CacheError(string operation) => _cacheErrors.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void SingleFlight(string result) => _singleFlight.Add(1, new KeyValuePair<string, object?>("result", result));

    public void IdempotentReplay() => _idempotentReplays.Add(1);

    public void IdempotencyUnprotected() => _idempotencyUnprotected.Add(1);

    public void PoisonMessage(string lane) => _poisonMessages.Add(1, new KeyValuePair<string, object?>("lane", lane));

    public void CircuitWait(string model) => _circuitWaits.Add(1, new KeyValuePair<string, object?>("model", model));
}

/// <summary>One endpoint's concurrency as the gauges report it.</summary>
public readonly record struct EndpointLoad(string Endpoint, int Limit, int Running, int Waiting, bool CircuitOpen);
