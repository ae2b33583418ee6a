using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Tenancy;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// The first, cheapest stages of a closed micro-batch: requests already answered get their stored result again
/// (idempotency), requests that fail their checks or their tenant's quota get their failed event; the rest go on.
/// </summary>
public sealed class BatchScreening(
    IdempotencyStore idempotency,
    RequestPrechecks prechecks,
    TenantQuotas quotas,
    RequestCompleter completer,
    ResultEventFactory events)
{
    /// <summary>Completes what ends here (each on its own, never throwing) and returns the requests that go on.</summary>
    public async Task<List<PendingRequest>> ScreenAsync(IReadOnlyList<PendingRequest> batch)
    {
        var live = new List<PendingRequest>(batch.Count);
        var answered = await Task.WhenAll(batch.Select(async request => (request, stored: await idempotency.FindAsync(request.Request))));
        foreach (var (request, stored) in answered)
        {
            if (stored is not null)
            {
                _ = completer.ReplayAsync(request, stored);
            }
            else if (prechecks.Check(request) is { } failure)
            {
                _ = completer.CompleteAsync(request, failure);
            }
            else
            {
                live.Add(request);
            }
        }

        return await WithinQuotaAsync(live);
    }

    /// <summary>Answers QuotaExceeded to requests over their tenant's quota and returns the rest.</summary>
    private async Task<List<PendingRequest>> WithinQuotaAsync(List<PendingRequest> live)
    {
        var verdicts = await Task.WhenAll(live.Select(async request => (request, refusal: await quotas.ChargeAsync(request))));
        var within = new List<PendingRequest>(live.Count);
        foreach (var (request, refusal) in verdicts)
        {
            if (refusal is null)
            {
                within.Add(request);
            }
            else
            {
                _ = completer.CompleteAsync(request, events.QuotaExceeded(request, refusal));
            }
        }

        return within;
    }
}
