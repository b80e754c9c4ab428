using System.Diagnostics.Metrics;
using System.Globalization;
using CommandGrid.Gateway.Rest;

namespace CommandGrid.Gateway.Operations;

/// <summary>
/// The doors' instruments on the "CommandGrid" meter: commands created, open connections and
/// refusals, each tagged with its door (rest, websocket, mqtt). Tags take a few fixed values only,
/// never ids, so the series stay few.
/// </summary>
public static class GatewayMetrics
{
    public const string MeterName = "CommandGrid";

    public const string Rest = "rest";
    public const string WebSocket = "websocket";
    public const string Mqtt = "mqtt";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Created = Meter.CreateCounter<long>(
        "commandgrid.commands.created", unit: "{command}",
        description: "Commands created, by door");

    private static readonly UpDownCounter<long> Connections = Meter.CreateUpDownCounter<long>(
        "commandgrid.connections.open", unit: "{connection}",
        description: "Open client connections, by door and protocol version (MQTT counts from an accepted CONNECT)");

    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "commandgrid.refusals", unit: "{refusal}",
        description: "Requests a door refused (4xx on REST and WebSocket; CONNECT, SUBSCRIBE and PUBLISH refusals on MQTT), by door and reason");

    public static void CommandCreated(string door) => Created.Add(1, new KeyValuePair<string, object?>("door", door));

    public static void ConnectionOpened(string door, string protocolVersion) =>
        Connections.Add(1, new KeyValuePair<string, object?>("door", door), new KeyValuePair<string, object?>("protocol_version", protocolVersion));

    public static void ConnectionClosed(string door, string protocolVersion) =>
        Connections.Add(-1, new KeyValuePair<string, object?>("door", door), new KeyValuePair<string, object?>("protocol_version", protocolVersion));

    public static void Refused(string door, string reason) =>
        Refusals.Add(1, new KeyValuePair<string, object?>("door", door), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts an HTTP-style error status as a refusal when it is the client's (4xx); 5xx are the grid's failures, not refusals.</summary>
    public static void RefusedStatus(string door, int status)
    {
        if (status is >= 400 and < 500)
        {
            var code = RestError.CodeFor(status);
            Refused(door, code == "InternalError" ? status.ToString(CultureInfo.InvariantCulture) : code);
        }
    }
}
