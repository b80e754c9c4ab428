using CommandGrid.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// The most MQTT connections the server holds at once (<see cref="MqttServerOptions.MaxConnections"/>, 0 for no
/// limit). A connection past it is answered at its CONNECT with 0x97 Quota exceeded (3.1.1: 0x03 Server unavailable)
/// and closed, so a device learns to retry later and the connections already open keep working. Every refusal is
/// counted (through <see cref="IMqttServerEvents"/> and the engine's refusal counter); the log gets one line per
/// <see cref="MqttServerOptions.RefusalLogIntervalSeconds"/> with the number refused since the last, as a reconnect
/// storm must not become a log storm.
/// </summary>
public sealed class MqttConnectionLimit
{
    private readonly ILogger _logger;
    private readonly long _logIntervalMs;
    private readonly Lock _lock = new();
    private long? _loggedAt;
    private long _unlogged;
    private long _refused;
    private long _lastRefusedAt = long.MinValue;

    internal MqttConnectionLimit(MqttServerOptions options, ILogger logger)
    {
        Max = Math.Max(0, options.MaxConnections);
        _logger = logger;
        _logIntervalMs = Math.Max(1, options.RefusalLogIntervalSeconds) * 1000L;
    }

    /// <summary>The limit; 0 means none.</summary>
    public int Max { get; }

    /// <summary>Connections refused for the limit since the server started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Whether a connection was refused within <paramref name="window"/> (a health check's "refusing now").</summary>
    public bool RefusedWithin(TimeSpan window)
    {
        var last = Interlocked.Read(ref _lastRefusedAt);
        return last != long.MinValue && Environment.TickCount64 - last <= (long)window.TotalMilliseconds;
    }

    /// <summary>Whether a connection that sent CONNECT while <paramref name="open"/> connections are open (itself included) is one too many.</summary>
    internal bool Exceeded(int open) => Max > 0 && open > Max;

    internal void Record(int open)
    {
        var now = Environment.TickCount64;
        Interlocked.Increment(ref _refused);
        Interlocked.Exchange(ref _lastRefusedAt, now);
        long count;
        lock (_lock)
        {
            _unlogged++;
            if (_loggedAt is { } loggedAt && now - loggedAt < _logIntervalMs)
            {
                return;
            }
            _loggedAt = now;
            count = _unlogged;
            _unlogged = 0;
        }
        MqttLog.ConnectionLimitReached(_logger, open, Max, count, MqttReasonCode.QuotaExceeded);
    }
}
