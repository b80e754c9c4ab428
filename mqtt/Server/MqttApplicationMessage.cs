using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// A message as the application sees it, in either direction; free of packet ids, DUP and topic
/// aliases, which belong to one hop of the protocol and not to the message.
/// </summary>
public sealed record MqttApplicationMessage
{
    public required string Topic { get; init; }
    public ReadOnlyMemory<byte> Payload { get; init; }
    public MqttQualityOfService QualityOfService { get; init; }
    public bool Retain { get; init; }

    // 5.0 message properties; ignored on the wire to 3.1.1 clients.
    public byte? PayloadFormatIndicator { get; init; }
    public uint? MessageExpiryInterval { get; init; }
    public string? ContentType { get; init; }
    public string? ResponseTopic { get; init; }
    public byte[]? CorrelationData { get; init; }
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
