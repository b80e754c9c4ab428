namespace CommandGrid.Mqtt.Packets;

/// <summary>The Will message a client registers in CONNECT.</summary>
public sealed record MqttWill(
    string Topic,
    byte[] Payload,
    MqttQualityOfService QualityOfService,
    bool Retain,
    MqttProperties Properties);
