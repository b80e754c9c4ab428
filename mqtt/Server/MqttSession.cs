using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Topics;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// The server-side state of one client id, which may outlive its connections: subscriptions,
/// outbound QoS 1/2 messages not yet acknowledged, and inbound QoS 2 packet ids awaiting PUBREL.
/// Every member is guarded by <see cref="Sync"/>; methods named *Locked expect the caller to hold it.
/// </summary>
internal sealed class MqttSession(string clientId, MqttServerOptions options)
{
    private readonly Queue<MqttOutboundMessage> _pending = new();
    // Kept in send order so that a reconnect resends them in the order they were first sent.
    private readonly List<MqttOutboundMessage> _inflight = [];
    private ushort _lastPacketId;

    public object Sync { get; } = new();
    public string ClientId { get; } = clientId;
    public Dictionary<string, MqttSessionSubscription> Subscriptions { get; } = new(StringComparer.Ordinal);
    public HashSet<ushort> InboundQos2PacketIds { get; } = [];
    public MqttConnection? Connection { get; set; }
    public uint ExpiryIntervalSeconds { get; set; }
    public MqttSessionInfo? LastInfo { get; set; }
    public CancellationTokenSource? ExpiryTimer { get; set; }
    public bool IsDiscarded { get; private set; }

    public int PendingCount => _pending.Count;
    public int InflightCount => _inflight.Count;

    /// <summary>
    /// Places a message for this client. The overflow policy lives here: QoS 0 goes only to a live
    /// connection with queue room; QoS 1/2 goes into the in-flight window if there is room, else into the
    /// pending queue up to its limit; past the limit the new message is dropped, and a live client that
    /// let the queue fill is disconnected with Quota exceeded (its session keeps what it already holds).
    /// </summary>
    public MqttDeliveryResult EnqueueLocked(MqttOutboundMessage message, long now)
    {
        var connection = Connection;
        if (message.QualityOfService == MqttQualityOfService.AtMostOnce)
        {
            if (connection is not null && connection.TryEnqueue(message.ToPacket(dup: false, now)))
            {
                message.Complete(true);
                return new MqttDeliveryResult(MqttDeliveryStatus.Delivered, message.Acknowledged);
            }

            return MqttDeliveryResult.DroppedResult;
        }

        if (connection is not null && _pending.Count == 0 && _inflight.Count < connection.MaxInflight)
        {
            var status = SendNewLocked(message, connection, now) ? MqttDeliveryStatus.Delivered : MqttDeliveryStatus.Queued;
            return new MqttDeliveryResult(status, message.Acknowledged);
        }

        if (_pending.Count >= options.MaxPendingMessagesPerSession)
        {
            connection?.Abort(MqttSessionEndReason.QuotaExceeded, MqttReasonCode.QuotaExceeded);
            return MqttDeliveryResult.DroppedResult;
        }

        _pending.Enqueue(message);
        return new MqttDeliveryResult(MqttDeliveryStatus.Queued, message.Acknowledged);
    }

    /// <summary>Moves pending messages into the in-flight window while it has room.</summary>
    public void PumpLocked(long now)
    {
        var connection = Connection;
        if (connection is null)
        {
            return;
        }

        while (_pending.Count > 0 && _inflight.Count < connection.MaxInflight)
        {
            var message = _pending.Dequeue();
            if (message.RemainingExpirySeconds(now) <= 0)
            {
                message.Complete(false);
                continue;
            }

            if (!SendNewLocked(message, connection, now))
            {
                return;
            }
        }
    }

    /// <summary>
    /// On a resumed session: resend every unacknowledged PUBLISH with DUP set, and PUBREL for those
    /// already PUBREC'd, in their original order, then continue with the pending queue.
    /// </summary>
    public void ResumeLocked(MqttConnection connection, long now)
    {
        foreach (var message in _inflight)
        {
            MqttPacket packet = message.State == MqttOutboundState.AwaitingPubComp
                ? new MqttPubRelPacket { PacketId = message.PacketId }
                : message.ToPacket(dup: true, now);
            if (!connection.TryEnqueue(packet))
            {
                connection.Abort(MqttSessionEndReason.QuotaExceeded, MqttReasonCode.QuotaExceeded);
                return;
            }
        }

        PumpLocked(now);
    }

    public void OnPubAckLocked(MqttPubAckPacket ack, long now)
    {
        if (TakeInflight(ack.PacketId, MqttOutboundState.AwaitingPubAck) is { } message)
        {
            message.Complete(!ack.ReasonCode.IsFailure());
            PumpLocked(now);
        }
    }

    /// <summary>Returns the PUBREL to send, or null when the flow ends here (a failure reason in the PUBREC).</summary>
    public MqttPubRelPacket? OnPubRecLocked(MqttPubRecPacket rec, MqttProtocolVersion version, long now)
    {
        var message = _inflight.Find(m => m.PacketId == rec.PacketId);
        if (message is null)
        {
            // Answer anyway so a confused client can finish its flow; 5.0 says the id was unknown.
            return new MqttPubRelPacket
            {
                PacketId = rec.PacketId,
                ReasonCode = version == MqttProtocolVersion.V500 ? MqttReasonCode.PacketIdentifierNotFound : MqttReasonCode.Success,
            };
        }

        if (rec.ReasonCode.IsFailure())
        {
            _inflight.Remove(message);
            message.Complete(false);
            PumpLocked(now);
            return null;
        }

        message.State = MqttOutboundState.AwaitingPubComp;
        return new MqttPubRelPacket { PacketId = rec.PacketId };
    }

    public void OnPubCompLocked(MqttPubCompPacket comp, long now)
    {
        if (TakeInflight(comp.PacketId, MqttOutboundState.AwaitingPubComp) is { } message)
        {
            message.Complete(true);
            PumpLocked(now);
        }
    }

    /// <summary>The connection could not send a message (larger than the client accepts): the spec says to act as if it was delivered.</summary>
    public void OnUnsendableLocked(ushort packetId, long now)
    {
        var message = _inflight.Find(m => m.PacketId == packetId && m.State != MqttOutboundState.AwaitingPubComp);
        if (message is not null)
        {
            _inflight.Remove(message);
            message.Complete(false);
            PumpLocked(now);
        }
    }

    public (MqttQualityOfService? MaximumQoS, IReadOnlyList<uint> SubscriptionIdentifiers) MatchLocked(string topic)
    {
        MqttQualityOfService? max = null;
        List<uint>? identifiers = null;
        foreach (var subscription in Subscriptions.Values)
        {
            if (!MqttTopic.Matches(topic, subscription.TopicFilter))
            {
                continue;
            }

            // Overlapping subscriptions deliver once, at the highest granted QoS, with every identifier.
            if (max is null || subscription.MaximumQoS > max)
            {
                max = subscription.MaximumQoS;
            }

            if (subscription.SubscriptionIdentifier is { } id)
            {
                (identifiers ??= []).Add(id);
            }
        }

        return (max, (IReadOnlyList<uint>?)identifiers ?? []);
    }

    /// <summary>Ends the session for good: nothing it holds will be acknowledged now.</summary>
    public void DiscardLocked()
    {
        IsDiscarded = true;
        ExpiryTimer?.Cancel();
        ExpiryTimer = null;
        foreach (var message in _inflight)
        {
            message.Complete(false);
        }

        foreach (var message in _pending)
        {
            message.Complete(false);
        }

        _inflight.Clear();
        _pending.Clear();
        Subscriptions.Clear();
        InboundQos2PacketIds.Clear();
    }

    private bool SendNewLocked(MqttOutboundMessage message, MqttConnection connection, long now)
    {
        message.PacketId = NextPacketId();
        message.State = message.QualityOfService == MqttQualityOfService.AtLeastOnce
            ? MqttOutboundState.AwaitingPubAck
            : MqttOutboundState.AwaitingPubRec;
        _inflight.Add(message);
        if (connection.TryEnqueue(message.ToPacket(dup: false, now)))
        {
            return true;
        }

        // The connection cannot take more: the message stays in flight and is resent (DUP) on reconnect.
        connection.Abort(MqttSessionEndReason.QuotaExceeded, MqttReasonCode.QuotaExceeded);
        return false;
    }

    private MqttOutboundMessage? TakeInflight(ushort packetId, MqttOutboundState state)
    {
        var index = _inflight.FindIndex(m => m.PacketId == packetId && m.State == state);
        if (index < 0)
        {
            return null;
        }

        var message = _inflight[index];
        _inflight.RemoveAt(index);
        return message;
    }

    private ushort NextPacketId()
    {
        // The in-flight window is far smaller than 65535, so a free id is always near.
        while (true)
        {
            _lastPacketId = _lastPacketId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastPacketId + 1);
            var candidate = _lastPacketId;
            if (!_inflight.Exists(m => m.PacketId == candidate))
            {
                return candidate;
            }
        }
    }
}
