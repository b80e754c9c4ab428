using System.Threading.RateLimiting;
using CommandGrid.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// How many CONNECTs per second the server takes on (<see cref="MqttServerOptions.MaxConnectsPerSecond"/>, 0 for no
/// limit): a token bucket holding one second's worth, so a reconnect storm of any size costs the node a bounded
/// amount of authentication and session set-up per second while its open connections keep working. A CONNECT over
/// the rate is answered 0x89 Server busy (3.1.1: 0x03 Server unavailable) before any work is done for it; devices
/// retry, as they do after a network blip. Refusals are counted and logged as the connection limit's are.
/// </summary>
public sealed class MqttConnectRateLimit : IDisposable
{
    // Tokens come back in steps of about a tenth of a second: smooth enough for a storm, few timer ticks when idle.
    private const double RefillsPerSecond = 10;

    private readonly ILogger _logger;
    private readonly MqttRefusalTally _tally;
    private readonly TokenBucketRateLimiter? _bucket;

    internal MqttConnectRateLimit(MqttServerOptions options, ILogger logger)
    {
        PerSecond = Math.Max(0, options.MaxConnectsPerSecond);
        _logger = logger;
        _tally = new MqttRefusalTally(options.RefusalLogIntervalSeconds);
        if (PerSecond > 0)
        {
            // A rate below one per refill step (a test's 0.01/s) refills one token at a time, less often.
            var tokensPerRefill = Math.Max(1, (int)Math.Round(PerSecond / RefillsPerSecond));
            _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, (int)Math.Ceiling(PerSecond)),
                TokensPerPeriod = tokensPerRefill,
                ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerRefill / PerSecond),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }
    }

    /// <summary>The rate; 0 means none.</summary>
    public double PerSecond { get; }

    /// <summary>Connections refused for the rate since the server started.</summary>
    public long Refused => _tally.Refused;

    /// <summary>Whether a connection was refused within <paramref name="window"/>.</summary>
    public bool RefusedWithin(TimeSpan window) => _tally.RefusedWithin(window);

    /// <summary>Takes a token for one CONNECT; false when the bucket is empty.</summary>
    internal bool TryAcquire()
    {
        if (_bucket is null)
        {
            return true;
        }

        using var lease = _bucket.AttemptAcquire();
        return lease.IsAcquired;
    }

    internal void Record()
    {
        if (_tally.Record() is var count and > 0)
        {
            MqttLog.ConnectRateReached(_logger, PerSecond, count, MqttReasonCode.ServerBusy);
        }
    }

    public void Dispose() => _bucket?.Dispose();
}
