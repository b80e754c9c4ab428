namespace CommandGrid.Mqtt.Server;

/// <summary>Where an outbound QoS 1/2 message stands in its acknowledgement flow.</summary>
internal enum MqttOutboundState
{
    /// <summary>Waiting in the session for room in the in-flight window (or for the client to come back).</summary>
    Pending,
    AwaitingPubAck,
    AwaitingPubRec,
    /// <summary>PUBREC received and PUBREL sent: the message itself will not be sent again, only the PUBREL.</summary>
    AwaitingPubComp,
}
