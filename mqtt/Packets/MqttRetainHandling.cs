namespace CommandGrid.Mqtt.Packets;

/// <summary>5.0 subscription option: when retained messages are sent for a new subscription.</summary>
public enum MqttRetainHandling : byte
{
    SendAtSubscribe = 0,
    SendAtSubscribeIfNew = 1,
    DoNotSend = 2,
}
