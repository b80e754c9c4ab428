using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CommandGrid.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// Refused SUBSCRIBE filters and PUBLISHes: every one is counted, and logged at most once per client per
/// <see cref="MqttServerOptions.RefusalLogIntervalSeconds"/>, with the number left unlogged since the
/// previous line. A device stuck retrying a forbidden topic must not flood the log, but an operator must
/// still see that it happens, and who does it.
/// </summary>
internal sealed class MqttRefusals
{
    public const string MeterName = "CommandGrid.Mqtt";
    public const string CounterName = "commandgrid.mqtt.refusals";

    private readonly Counter<long> _refusals;
    private readonly IMqttServerEvents? _events;
    private readonly ILogger _logger;
    private readonly long _intervalMs;
    private readonly ConcurrentDictionary<string, LogWindow> _windows = new(StringComparer.Ordinal);
    private long _lastPrune = Environment.TickCount64;

    public MqttRefusals(IMeterFactory meters, MqttServerOptions options, IMqttServerEvents? events, ILogger logger)
    {
        _events = events;
        _refusals = meters.Create(MeterName).CreateCounter<long>(CounterName, unit: "{refusal}",
            description: "SUBSCRIBE filters and PUBLISH packets the MQTT listener refused, by reason and packet type");
        _logger = logger;
        _intervalMs = Math.Max(0, options.RefusalLogIntervalSeconds) * 1000L;
    }

    public void Record(string clientId, MqttPacketType packetType, string topic, MqttReasonCode reason)
    {
        _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()), new KeyValuePair<string, object?>("packet_type", PacketTypeTag(packetType)));
        _events?.Refused(packetType, reason);
        var now = Environment.TickCount64;
        var window = _windows.GetOrAdd(clientId, static _ => new LogWindow());
        int suppressed;
        lock (window)
        {
            if (window.LoggedAt is { } loggedAt && now - loggedAt < _intervalMs)
            {
                window.Suppressed++;
                return;
            }
            suppressed = window.Suppressed;
            window.Suppressed = 0;
            window.LoggedAt = now;
        }
        MqttLog.Refused(_logger, clientId, packetType, topic, reason, suppressed);
        PruneQuietClients(now);
    }

    private static string PacketTypeTag(MqttPacketType packetType) => packetType switch
    {
        MqttPacketType.Subscribe => "subscribe",
        MqttPacketType.Publish => "publish",
        _ => packetType.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Forgets clients whose window ended, at most once per interval, so that client ids that come and go
    /// do not accumulate. What a forgotten window suppressed stays in the counter.
    /// </summary>
    private void PruneQuietClients(long now)
    {
        var last = Interlocked.Read(ref _lastPrune);
        if (now - last < Math.Max(_intervalMs, 1000) || Interlocked.CompareExchange(ref _lastPrune, now, last) != last)
        {
            return;
        }
        foreach (var (clientId, window) in _windows)
        {
            lock (window)
            {
                if (window.LoggedAt is { } loggedAt && now - loggedAt >= _intervalMs)
                {
                    _windows.TryRemove(new KeyValuePair<string, LogWindow>(clientId, window));
                }
            }
        }
    }

    private sealed class LogWindow
    {
        public long? LoggedAt;
        public int Suppressed;
    }
}
