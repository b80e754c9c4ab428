using CommandGrid.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// The most MQTT connections the server holds at once (<see cref="MqttServerOptions.MaxConnections"/>, 0 for no
/// limit). A connection past it is answered at its CONNECT with 0x97 Quota exceeded (3.1.1: 0x03 Server unavailable)
/// and closed, so a device learns to retry later and the connections already open keep working. Every refusal is
/// counted (through <see cref="IMqttServerEvents"/> and here); the log gets one line per
/// <see cref="MqttServerOptions.RefusalLogIntervalSeconds"/> with the number refused since the last.
/// </summary>
public sealed class MqttConnectionLimit
{
    private readonly ILogger _logger;
    private readonly MqttRefusalTally _tally;

    internal MqttConnectionLimit(MqttServerOptions options, ILogger logger)
    {
        Max = Math.Max(0, options.MaxConnections);
        _logger = logger;
        _tally = new MqttRefusalTally(options.RefusalLogIntervalSeconds);
    }

    /// <summary>The limit; 0 means none.</summary>
    public int Max { get; }

    /// <summary>Connections refused for the limit since the server started.</summary>
    public long Refused => _tally.Refused;

    /// <summary>Whether a connection was refused within <paramref name="window"/> (a health check's "refusing now").</summary>
    public bool RefusedWithin(TimeSpan window) => _tally.RefusedWithin(window);

    /// <summary>Whether a connection that sent CONNECT while <paramref name="open"/> connections are open (itself included) is one too many.</summary>
    internal bool Exceeded(int open) => Max > 0 && open > Max;

    internal void Record(int open)
    {
        if (_tally.Record() is var count and > 0)
        {
            MqttLog.ConnectionLimitReached(_logger, open, Max, count, MqttReasonCode.QuotaExceeded);
        }
    }
}
