namespace CommandGrid.Mqtt.Server;

public enum MqttDeliveryStatus
{
    /// <summary>Handed to the client's live connection (its PUBLISH is queued for the socket).</summary>
    Delivered,
    /// <summary>Kept in the session: the client is offline (persistent session) or its in-flight window is full.</summary>
    Queued,
    /// <summary>The client has no session, or no subscription of its session matches the topic.</summary>
    NoMatchingSubscription,
    /// <summary>Discarded by the overflow policy (QoS 0 that cannot be sent now, or a full session queue).</summary>
    Dropped,
}
