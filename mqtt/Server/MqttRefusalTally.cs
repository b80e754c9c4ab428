namespace CommandGrid.Mqtt.Server;

/// <summary>
/// The refusals of one admission rule (the connection limit, the connect rate): how many since start, when the last
/// one was (a health check's "refusing now"), and whether this one gets a log line: at most one per interval, carrying
/// the number refused since the last, as a reconnect storm must not become a log storm.
/// </summary>
internal sealed class MqttRefusalTally(int logIntervalSeconds)
{
    private readonly long _logIntervalMs = Math.Max(1, logIntervalSeconds) * 1000L;
    private readonly Lock _lock = new();
    private long? _loggedAt;
    private long _unlogged;
    private long _refused;
    private long _lastRefusedAt = long.MinValue;

    public long Refused => Interlocked.Read(ref _refused);

    public bool RefusedWithin(TimeSpan window)
    {
        var last = Interlocked.Read(ref _lastRefusedAt);
        return last != long.MinValue && Environment.TickCount64 - last <= (long)window.TotalMilliseconds;
    }

    /// <summary>Counts one refusal; returns how many to report in a log line now, or 0 when this one stays unlogged.</summary>
    public long Record()
    {
        var now = Environment.TickCount64;
        Interlocked.Increment(ref _refused);
        Interlocked.Exchange(ref _lastRefusedAt, now);
        lock (_lock)
        {
            _unlogged++;
            if (_loggedAt is { } loggedAt && now - loggedAt < _logIntervalMs)
            {
                return 0;
            }

            _loggedAt = now;
            var count = _unlogged;
            _unlogged = 0;
            return count;
        }
    }
}
