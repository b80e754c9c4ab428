using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Topics;

namespace CommandGrid.Mqtt.Codec;

/// <summary>
/// Turns bytes into packets for one connection. Stateful only in the protocol version, which the
/// CONNECT fixes for the rest of the stream (a server-side decoder learns it from the CONNECT it
/// decodes; a client-side one is told).
/// </summary>
public sealed class MqttPacketDecoder
{
    /// <summary>The protocol's own ceiling: 1 type byte + 4 length bytes + 268,435,455.</summary>
    public const int ProtocolMaximumPacketSize = 1 + MqttVariableByteInteger.MaxLength + MqttVariableByteInteger.MaxValue;

    public MqttPacketDecoder(int maximumPacketSize = ProtocolMaximumPacketSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumPacketSize, 2);
        MaximumPacketSize = maximumPacketSize;
    }

    /// <summary>The largest whole packet (fixed header included) accepted; larger ones are rejected with 0x95.</summary>
    public int MaximumPacketSize { get; }

    public MqttProtocolVersion ProtocolVersion { get; set; } = MqttProtocolVersion.V311;

    /// <summary>The content type of a TLS handshake record, which reads as a CONNECT with flags 0110.</summary>
    private const int TlsHandshakeRecord = 0x16;

    /// <summary>
    /// Decodes one packet from the front of <paramref name="buffer"/> and slices it off. Returns
    /// false and leaves the buffer untouched when it holds only part of a packet. Throws
    /// <see cref="MqttProtocolException"/> when the bytes can never become a valid packet.
    /// </summary>
    public bool TryDecode(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out MqttPacket? packet)
    {
        packet = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryRead(out var header))
        {
            return false;
        }

        if (!MqttVariableByteInteger.TryRead(ref reader, out var remainingLength))
        {
            return false;
        }

        // Checked before the body arrives so an oversized packet is refused without buffering it.
        var total = reader.Consumed + remainingLength;
        if (total > MaximumPacketSize)
        {
            throw new MqttProtocolException(MqttReasonCode.PacketTooLarge, $"Packet of {total} bytes exceeds the maximum of {MaximumPacketSize}.");
        }

        if (reader.Remaining < remainingLength)
        {
            return false;
        }

        var body = buffer.Slice(reader.Position, remainingLength);
        packet = DecodeBody(header, body);
        buffer = buffer.Slice(total);
        return true;
    }

    private MqttPacket DecodeBody(byte header, ReadOnlySequence<byte> body)
    {
        var type = (MqttPacketType)(header >> 4);
        var flags = header & 0x0F;
        var reader = new MqttBodyReader(body);
        var packet = type switch
        {
            MqttPacketType.Connect => DecodeConnect(flags, ref reader),
            MqttPacketType.ConnAck => DecodeConnAck(flags, ref reader),
            MqttPacketType.Publish => DecodePublish(flags, ref reader),
            MqttPacketType.PubAck => DecodePublishResponse(new MqttPubAckPacket(), flags, 0, ref reader),
            MqttPacketType.PubRec => DecodePublishResponse(new MqttPubRecPacket(), flags, 0, ref reader),
            MqttPacketType.PubRel => DecodePublishResponse(new MqttPubRelPacket(), flags, 2, ref reader),
            MqttPacketType.PubComp => DecodePublishResponse(new MqttPubCompPacket(), flags, 0, ref reader),
            MqttPacketType.Subscribe => DecodeSubscribe(flags, ref reader),
            MqttPacketType.SubAck => DecodeSubAck(flags, ref reader),
            MqttPacketType.Unsubscribe => DecodeUnsubscribe(flags, ref reader),
            MqttPacketType.UnsubAck => DecodeUnsubAck(flags, ref reader),
            MqttPacketType.PingReq => DecodeEmpty(MqttPingReqPacket.Instance, flags, ref reader),
            MqttPacketType.PingResp => DecodeEmpty(MqttPingRespPacket.Instance, flags, ref reader),
            MqttPacketType.Disconnect => DecodeDisconnect(flags, ref reader),
            MqttPacketType.Auth => DecodeAuth(flags, ref reader),
            _ => throw MqttProtocolException.Malformed("Packet type 0 is reserved."),
        };

        if (!reader.End)
        {
            throw MqttProtocolException.Malformed($"{type} has {reader.Remaining} bytes beyond its contents.");
        }

        return packet;
    }

    private bool Is5 => ProtocolVersion == MqttProtocolVersion.V500;

    private static void RequireFlags(int flags, int expected, MqttPacketType type)
    {
        if (flags != expected)
        {
            throw MqttProtocolException.Malformed($"{type} fixed header flags must be {expected:B4}, were {flags:B4}.");
        }
    }

    private static ushort ReadPacketId(ref MqttBodyReader reader, MqttPacketType type)
    {
        var id = reader.ReadUInt16();
        return id == 0 ? throw MqttProtocolException.ProtocolError($"{type} requires a non-zero packet identifier.") : id;
    }

    private MqttConnectPacket DecodeConnect(int flags, ref MqttBodyReader reader)
    {
        if (flags == (TlsHandshakeRecord & 0x0F))
        {
            // 0x16 opens every TLS handshake record: a client that speaks TLS to a plain port, which deserves saying so.
            throw MqttProtocolException.Malformed("The first byte is 0x16, a TLS handshake: this port speaks plain MQTT (MQTT over TLS has a port of its own).");
        }
        RequireFlags(flags, 0, MqttPacketType.Connect);
        var name = reader.ReadString();
        var level = reader.ReadByte();
        if (name != "MQTT" || level is not ((byte)MqttProtocolVersion.V311 or (byte)MqttProtocolVersion.V500))
        {
            throw new MqttProtocolException(
                MqttReasonCode.UnsupportedProtocolVersion,
                $"Unsupported protocol '{name}' level {level}.") { InConnect = true };
        }

        var version = (MqttProtocolVersion)level;
        ProtocolVersion = version;
        try
        {
            return DecodeConnectRest(version, ref reader);
        }
        catch (MqttProtocolException ex) when (ex.ConnectVersion is null)
        {
            throw new MqttProtocolException(ex.ReasonCode, ex.Message, version) { InConnect = true };
        }
    }

    private MqttConnectPacket DecodeConnectRest(MqttProtocolVersion version, ref MqttBodyReader reader)
    {
        var connectFlags = reader.ReadByte();
        if ((connectFlags & 0x01) != 0)
        {
            throw MqttProtocolException.Malformed("CONNECT reserved flag is set.");
        }

        var hasUserName = (connectFlags & 0x80) != 0;
        var hasPassword = (connectFlags & 0x40) != 0;
        var willRetain = (connectFlags & 0x20) != 0;
        var willQos = (connectFlags >> 3) & 0x03;
        var hasWill = (connectFlags & 0x04) != 0;
        var cleanStart = (connectFlags & 0x02) != 0;
        if (willQos == 3)
        {
            throw MqttProtocolException.Malformed("Will QoS 3 is not valid.");
        }

        if (!hasWill && (willQos != 0 || willRetain))
        {
            throw MqttProtocolException.Malformed("Will QoS and Will Retain must be 0 without a Will.");
        }

        if (version == MqttProtocolVersion.V311 && hasPassword && !hasUserName)
        {
            throw MqttProtocolException.Malformed("3.1.1 forbids a password without a user name.");
        }

        var keepAlive = reader.ReadUInt16();
        var properties = Is5 ? MqttPropertiesCodec.Read(ref reader) : MqttProperties.Empty;
        var clientId = reader.ReadString();
        MqttWill? will = null;
        if (hasWill)
        {
            var willProperties = Is5 ? MqttPropertiesCodec.Read(ref reader) : MqttProperties.Empty;
            var willTopic = reader.ReadString();
            if (!MqttTopic.IsValidTopicName(willTopic))
            {
                throw new MqttProtocolException(MqttReasonCode.TopicNameInvalid, "Will topic is not a valid topic name.");
            }

            var willPayload = reader.ReadBinary();
            will = new MqttWill(willTopic, willPayload, (MqttQualityOfService)willQos, willRetain, willProperties);
        }

        var userName = hasUserName ? reader.ReadString() : null;
        var password = hasPassword ? reader.ReadBinary() : null;
        return new MqttConnectPacket
        {
            ProtocolVersion = version,
            ClientId = clientId,
            CleanStart = cleanStart,
            KeepAliveSeconds = keepAlive,
            UserName = userName,
            Password = password,
            Will = will,
            Properties = properties,
        };
    }

    private MqttConnAckPacket DecodeConnAck(int flags, ref MqttBodyReader reader)
    {
        RequireFlags(flags, 0, MqttPacketType.ConnAck);
        var ackFlags = reader.ReadByte();
        if ((ackFlags & 0xFE) != 0)
        {
            throw MqttProtocolException.Malformed("CONNACK reserved acknowledge flags are set.");
        }

        var code = reader.ReadByte();
        var reason = Is5 ? (MqttReasonCode)code : ((MqttConnectReturnCode)code).ToReasonCode();
        var properties = Is5 ? MqttPropertiesCodec.Read(ref reader) : MqttProperties.Empty;
        return new MqttConnAckPacket { SessionPresent = (ackFlags & 1) != 0, ReasonCode = reason, Properties = properties };
    }

    private MqttPublishPacket DecodePublish(int flags, ref MqttBodyReader reader)
    {
        var qos = (flags >> 1) & 0x03;
        if (qos == 3)
        {
            throw MqttProtocolException.Malformed("PUBLISH QoS 3 is not valid.");
        }

        var dup = (flags & 0x08) != 0;
        if (dup && qos == 0)
        {
            throw MqttProtocolException.Malformed("PUBLISH at QoS 0 must not set DUP.");
        }

        var topic = reader.ReadString();
        // An empty topic is legal only in 5.0 with a topic alias, which the session resolves.
        if (topic.Length == 0 ? !Is5 : !MqttTopic.IsValidTopicName(topic))
        {
            throw new MqttProtocolException(MqttReasonCode.TopicNameInvalid, $"PUBLISH topic '{topic}' is not a valid topic name.");
        }

        var packetId = qos > 0 ? ReadPacketId(ref reader, MqttPacketType.Publish) : (ushort)0;
        var properties = Is5 ? MqttPropertiesCodec.Read(ref reader) : MqttProperties.Empty;
        var payload = reader.ReadRest();
        return new MqttPublishPacket
        {
            Topic = topic,
            Payload = payload.ToArray(),
            QualityOfService = (MqttQualityOfService)qos,
            Retain = (flags & 0x01) != 0,
            Dup = dup,
            PacketId = packetId,
            Properties = properties,
        };
    }

    private MqttPublishResponsePacket DecodePublishResponse(MqttPublishResponsePacket empty, int flags, int expectedFlags, ref MqttBodyReader reader)
    {
        RequireFlags(flags, expectedFlags, empty.Type);
        var packetId = ReadPacketId(ref reader, empty.Type);
        // 5.0 lets the sender drop the reason code (meaning Success) and the properties when empty.
        if (!Is5 || reader.End)
        {
            return empty with { PacketId = packetId };
        }

        var reason = (MqttReasonCode)reader.ReadByte();
        var properties = reader.End ? MqttProperties.Empty : MqttPropertiesCodec.Read(ref reader);
        return empty with { PacketId = packetId, ReasonCode = reason, Properties = properties };
    }

    private MqttSubscribePacket DecodeSubscribe(int flags, ref MqttBodyReader reader)
    {
        RequireFlags(flags, 2, MqttPacketType.Subscribe);
        var packetId = ReadPacketId(ref reader, MqttPacketType.Subscribe);
        var properties = Is5 ? MqttPropertiesCodec.Read(ref reader) : MqttProperties.Empty;
        var subscriptions = new List<MqttSubscription>();
        while (!reader.End)
        {
            var filter = reader.ReadString();
            var options = reader.ReadByte();
            var qos = options & 0x03;
            if (qos == 3)
            {
                throw MqttProtocolException.Malformed("Subscription QoS 3 is not valid.");
            }

            if (!Is5)
            {
                if ((options & 0xFC) != 0)
                {
                    throw MqttProtocolException.Malformed("SUBSCRIBE reserved option bits are set.");
                }

                subscriptions.Add(new MqttSubscription(filter, (MqttQualityOfService)qos));
                continue;
            }

            if ((options & 0xC0) != 0)
            {
                throw MqttProtocolException.Malformed("SUBSCRIBE reserved option bits are set.");
            }

            var retainHandling = (options >> 4) & 0x03;
            if (retainHandling == 3)
            {
                throw MqttProtocolException.ProtocolError("Retain Handling 3 is not valid.");
            }

            subscriptions.Add(new MqttSubscription(
                filter,
                (MqttQualityOfService)qos,
                NoLocal: (options & 0x04) != 0,
                RetainAsPublished: (options & 0x08) != 0,
                RetainHandling: (MqttRetainHandling)retainHandling));
        }

        if (subscriptions.Count == 0)
        {
            throw MqttProtocolException.ProtocolError("SUBSCRIBE must contain at least one topic filter.");
        }

        return new MqttSubscribePacket { PacketId = packetId, Subscriptions = subscriptions, Properties = properties };
    }

    private MqttSubAckPacket DecodeSubAck(int flags, ref MqttBodyReader reader)
    {
        RequireFlags(flags, 0, MqttPacketType.SubAck);
        var packetId = ReadPacketId(ref reader, MqttPacketType.SubAck);
        var properties = Is5 ? MqttPropertiesCodec.Read(ref reader) : MqttProperties.Empty;
        var codes = new List<MqttReasonCode>();
        while (!reader.End)
        {
            var code = reader.ReadByte();
            if (!Is5 && code is not (0 or 1 or 2 or 0x80))
            {
                throw MqttProtocolException.Malformed($"SUBACK return code 0x{code:X2} is not valid in 3.1.1.");
            }

            codes.Add((MqttReasonCode)code);
        }

        return new MqttSubAckPacket { PacketId = packetId, ReasonCodes = codes, Properties = properties };
    }

    private MqttUnsubscribePacket DecodeUnsubscribe(int flags, ref MqttBodyReader reader)
    {
        RequireFlags(flags, 2, MqttPacketType.Unsubscribe);
        var packetId = ReadPacketId(ref reader, MqttPacketType.Unsubscribe);
        var properties = Is5 ? MqttPropertiesCodec.Read(ref reader) : MqttProperties.Empty;
        var filters = new List<string>();
        while (!reader.End)
        {
            filters.Add(reader.ReadString());
        }

        if (filters.Count == 0)
        {
            throw MqttProtocolException.ProtocolError("UNSUBSCRIBE must contain at least one topic filter.");
        }

        return new MqttUnsubscribePacket { PacketId = packetId, TopicFilters = filters, Properties = properties };
    }

    private MqttUnsubAckPacket DecodeUnsubAck(int flags, ref MqttBodyReader reader)
    {
        RequireFlags(flags, 0, MqttPacketType.UnsubAck);
        var packetId = ReadPacketId(ref reader, MqttPacketType.UnsubAck);
        if (!Is5)
        {
            return new MqttUnsubAckPacket { PacketId = packetId };
        }

        var properties = MqttPropertiesCodec.Read(ref reader);
        var codes = new List<MqttReasonCode>();
        while (!reader.End)
        {
            codes.Add((MqttReasonCode)reader.ReadByte());
        }

        return new MqttUnsubAckPacket { PacketId = packetId, ReasonCodes = codes, Properties = properties };
    }

    private static MqttPacket DecodeEmpty(MqttPacket packet, int flags, ref MqttBodyReader reader)
    {
        RequireFlags(flags, 0, packet.Type);
        return reader.End ? packet : throw MqttProtocolException.Malformed($"{packet.Type} must have no body.");
    }

    private MqttDisconnectPacket DecodeDisconnect(int flags, ref MqttBodyReader reader)
    {
        RequireFlags(flags, 0, MqttPacketType.Disconnect);
        if (!Is5 || reader.End)
        {
            return new MqttDisconnectPacket();
        }

        var reason = (MqttReasonCode)reader.ReadByte();
        var properties = reader.End ? MqttProperties.Empty : MqttPropertiesCodec.Read(ref reader);
        return new MqttDisconnectPacket { ReasonCode = reason, Properties = properties };
    }

    private MqttAuthPacket DecodeAuth(int flags, ref MqttBodyReader reader)
    {
        if (!Is5)
        {
            throw MqttProtocolException.Malformed("Packet type 15 is reserved in MQTT 3.1.1.");
        }

        RequireFlags(flags, 0, MqttPacketType.Auth);
        if (reader.End)
        {
            return new MqttAuthPacket();
        }

        var reason = (MqttReasonCode)reader.ReadByte();
        var properties = reader.End ? MqttProperties.Empty : MqttPropertiesCodec.Read(ref reader);
        return new MqttAuthPacket { ReasonCode = reason, Properties = properties };
    }
}
