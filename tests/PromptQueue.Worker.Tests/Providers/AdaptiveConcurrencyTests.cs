using Microsoft.Extensions.Time.Testing;
using PromptQueue.Worker.Providers.Limits;

namespace PromptQueue.Worker.Tests.Providers;

public class AdaptiveConcurrencyTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void The_limit_starts_at_half_the_cap_and_doubles_per_round_until_overload()
    {
        var limit = new AdaptiveConcurrency(1, 8, 2.0, _time);
        Assert.Equal(4, limit.Limit);
        Assert.Equal(5, limit.OnAttempt(200, TimeSpan.FromMilliseconds(50)));
        Assert.Equal(6, limit.OnAttempt(200, TimeSpan.FromMilliseconds(50)));
        Refuse(limit, 16);
        Assert.Equal(4, limit.Limit);
        Assert.Equal(4, limit.OnAttempt(200, TimeSpan.FromMilliseconds(50))); // additive now: +1/4
    }

    [Fact]
    public void Sustained_429s_cut_the_limit_by_a_quarter_once_per_cooldown_and_successes_grow_it_back()
    {
        var limit = new AdaptiveConcurrency(1, 16, 2.0, _time);
        Grow(limit, 16);

        Refuse(limit, 20);
        Assert.Equal(12, limit.Limit); // a burst of refusals within a second counts once
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(9, limit.OnAttempt(503, TimeSpan.FromMilliseconds(50)));

        var grown = 9;
        for (var i = 0; i < 200 && grown < 16; i++)
        {
            grown = limit.OnAttempt(200, TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(16, grown);
        Assert.Equal(16, limit.OnAttempt(200, TimeSpan.FromMilliseconds(100))); // never above the cap
    }

    [Fact]
    public void A_steady_few_percent_of_429s_whatever_the_load_leave_the_limit_alone()
    {
        var limit = new AdaptiveConcurrency(1, 32, 2.0, _time);
        Grow(limit, 32);
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            limit.OnAttempt(random.NextDouble() < 0.1 ? 429 : 200, TimeSpan.FromMilliseconds(40));
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.InRange(limit.Limit, 28, 32);
    }

    [Fact]
    public void Repeated_429s_shrink_down_to_the_minimum_and_no_further()
    {
        var limit = new AdaptiveConcurrency(2, 32, 2.0, _time);
        for (var i = 0; i < 50; i++)
        {
            limit.OnAttempt(429, TimeSpan.FromMilliseconds(30));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(2, limit.Limit);
    }

    [Fact]
    public void The_limit_does_not_grow_while_less_than_half_of_it_is_used()
    {
        var limit = new AdaptiveConcurrency(1, 32, 2.0, _time);
        for (var i = 0; i < 100; i++)
        {
            limit.OnAttempt(200, TimeSpan.FromMilliseconds(50), inUse: 3);
        }

        Assert.Equal(16, limit.Limit);
    }

    [Fact]
    public void Timeouts_and_connection_failures_leave_the_limit_alone()
    {
        var limit = new AdaptiveConcurrency(1, 16, 2.0, _time);
        Grow(limit, 16);
        for (var i = 0; i < 20; i++)
        {
            limit.OnAttempt(null, TimeSpan.FromSeconds(30));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(16, limit.Limit);
    }

    [Fact]
    public void Latency_rising_well_above_its_long_run_average_shrinks_the_limit_and_noise_does_not()
    {
        var limit = new AdaptiveConcurrency(1, 20, 2.0, _time);
        Grow(limit, 20);
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            // 0.5-1.5 s, token-proportional noise around a steady 1 s
            limit.OnAttempt(200, TimeSpan.FromSeconds(0.5 + random.NextDouble()));
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(20, limit.Limit);
        for (var i = 0; i < 30; i++)
        {
            limit.OnAttempt(200, TimeSpan.FromSeconds(4));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(limit.Limit, 1, 15);
    }

    [Fact]
    public void Latency_is_ignored_when_the_tolerance_is_zero()
    {
        var limit = new AdaptiveConcurrency(1, 8, 0, _time);
        Grow(limit, 8);
        for (var i = 0; i < 100; i++)
        {
            limit.OnAttempt(200, TimeSpan.FromSeconds(i < 50 ? 0.1 : 10));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(8, limit.Limit);
    }

    private static void Grow(AdaptiveConcurrency limit, int to)
    {
        while (limit.Limit < to)
        {
            limit.OnAttempt(200, TimeSpan.FromMilliseconds(1000));
        }
    }

    private static void Refuse(AdaptiveConcurrency limit, int times)
    {
        for (var i = 0; i < times; i++)
        {
            limit.OnAttempt(429, TimeSpan.FromMilliseconds(50));
        }
    }
}
