namespace CommandGrid.Mqtt.Packets;

/// <summary>A 5.0 user property; names may repeat and order is significant, so these travel as a list.</summary>
public readonly record struct MqttUserProperty(string Name, string Value);
