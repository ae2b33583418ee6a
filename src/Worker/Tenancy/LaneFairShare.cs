using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Tenancy;

/// <summary>
/// Keeps one tenant from filling a lane. RabbitMQ delivers a queue in order, so behind a flood of one tenant's
/// requests another tenant's request waits for the whole backlog however fairly the worker schedules what it holds.
/// While more than one tenant is active in a lane, a tenant already holding its share of the lane's concurrency has
/// its further requests moved to the lane's overflow queue (a cheap confirmed publish): the lane's queue keeps
/// draining, the other tenant's request is taken at once, and the provider slots are then shared by turns
/// (<see cref="Providers.Limits.PriorityGate"/>). With one tenant alone nothing moves.
/// </summary>
public sealed class LaneFairShare(IOptionsMonitor<TenantsOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    public bool Enabled => options.CurrentValue.MaxLaneShare < 1.0;

    /// <summary>
    /// Takes a slot of the lane for the tenant, or returns false when the tenant is over its share while another
    /// tenant is active (the caller moves the request to the overflow queue). Release a taken slot with <see cref="Exit"/>.
    /// </summary>
    public bool TryEnter(string lane, string tenant, int laneConcurrency)
    {
        var current = options.CurrentValue;
        var state = _lanes.GetOrAdd(lane, static _ => new Lane());
        var now = time.GetTimestamp();
        lock (state)
        {
            state.LastSeen[tenant] = now;
            var held = state.Held.GetValueOrDefault(tenant);
            var share = Math.Max(1, (int)Math.Ceiling(laneConcurrency * current.MaxLaneShare));
            if (current.MaxLaneShare < 1.0 && held >= share && OthersActive(state, tenant, now, current.ActiveTenantWindow))
            {
                return false;
            }

            state.Held[tenant] = held + 1;
            return true;
        }
    }

    public void Exit(string lane, string tenant)
    {
        if (_lanes.TryGetValue(lane, out var state))
        {
            lock (state)
            {
                if (state.Held.TryGetValue(tenant, out var held))
                {
                    if (held <= 1)
                    {
                        state.Held.Remove(tenant);
                    }
                    else
                    {
                        state.Held[tenant] = held - 1;
                    }
                }
            }
        }
    }

    private bool OthersActive(Lane state, string tenant, long now, TimeSpan window)
    {
        var active = false;
        List<string>? stale = null;
        foreach (var (other, seen) in state.LastSeen)
        {
            if (time.GetElapsedTime(seen, now) > window)
            {
                (stale ??= []).Add(other);
            }
            else if (!string.Equals(other, tenant, StringComparison.Ordinal))
            {
                active = true;
            }
        }

        stale?.ForEach(t => state.LastSeen.Remove(t));
        return active;
    }

    private sealed class Lane
    {
        public Dictionary<string, int> Held { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> LastSeen { get; } = new(StringComparer.Ordinal);
    }
}
