using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.Mqtt.Jobs;

/// <summary>How many jobs requests one MQTT session may make (configuration section "Jobs").</summary>
public sealed class JobsRequestLimitOptions
{
    /// <summary>Requests a session may make at once before it is throttled.</summary>
    public int DeviceRequestBurst { get; set; } = 20;

    /// <summary>The steady rate a session's allowance refills at; 0 turns the limit off.</summary>
    public double DeviceRequestsPerSecond { get; set; } = 10;
}

/// <summary>
/// A token bucket per MQTT session for its jobs requests (System.Threading.RateLimiting's): a device past it is answered
/// RequestThrottled, as AWS IoT answers, and nothing is asked of the grains. A session's bucket goes with the session.
/// </summary>
public sealed class JobsRequestLimit(IOptions<JobsRequestLimitOptions> options) : IDisposable
{
    private readonly JobsRequestLimitOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new();

    /// <summary>Whether the session may make one more request now.</summary>
    public bool TryTake(string clientId)
    {
        if (_options.DeviceRequestsPerSecond <= 0)
        {
            return true;
        }
        using var lease = _buckets.GetOrAdd(clientId, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, _options.DeviceRequestBurst),
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1 / _options.DeviceRequestsPerSecond),
            QueueLimit = 0,
            AutoReplenishment = true,
        })).AttemptAcquire();
        return lease.IsAcquired;
    }

    public void Forget(string clientId)
    {
        if (_buckets.TryRemove(clientId, out var bucket))
        {
            bucket.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var clientId in _buckets.Keys)
        {
            Forget(clientId);
        }
    }
}
