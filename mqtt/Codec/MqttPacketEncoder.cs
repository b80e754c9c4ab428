using System.Buffers;
using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Codec;

/// <summary>
/// Turns packets into bytes in the dialect of the given protocol version. The body goes to a
/// scratch buffer first because the fixed header's remaining length depends on it.
/// </summary>
public static class MqttPacketEncoder
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    /// <summary>Writes the whole packet and returns its size in bytes.</summary>
    public static int Encode(MqttPacket packet, MqttProtocolVersion version, IBufferWriter<byte> output) =>
        Encode(packet, version, output, uint.MaxValue);

    /// <summary>
    /// Writes the whole packet unless it is larger than <paramref name="maximumSize"/> (a 5.0 client's Maximum Packet
    /// Size), in which case it writes nothing; returns its size in bytes either way.
    /// </summary>
    public static int Encode(MqttPacket packet, MqttProtocolVersion version, IBufferWriter<byte> output, uint maximumSize)
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        var body = new MqttBodyWriter(scratch);
        var flags = WriteBody(packet, version, body);
        var bodyLength = scratch.WrittenCount;
        if (bodyLength > MqttVariableByteInteger.MaxValue)
        {
            throw new ArgumentException($"{packet.Type} body of {bodyLength} bytes exceeds the MQTT maximum.", nameof(packet));
        }

        var headerLength = 1 + MqttVariableByteInteger.GetSize(bodyLength);
        if ((uint)(headerLength + bodyLength) <= maximumSize)
        {
            var header = output.GetSpan(headerLength);
            header[0] = (byte)(((int)packet.Type << 4) | flags);
            MqttVariableByteInteger.Write(header[1..], bodyLength);
            output.Advance(headerLength);
            output.Write(scratch.WrittenSpan);
        }

        // Large payloads would otherwise pin a large array to the thread for good.
        if (scratch.Capacity > 64 * 1024)
        {
            t_scratch = null;
        }

        return headerLength + bodyLength;
    }

    public static byte[] ToArray(MqttPacket packet, MqttProtocolVersion version)
    {
        var output = new ArrayBufferWriter<byte>();
        Encode(packet, version, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Writes the body and returns the fixed-header flag nibble.</summary>
    private static int WriteBody(MqttPacket packet, MqttProtocolVersion version, MqttBodyWriter body)
    {
        var is5 = version == MqttProtocolVersion.V500;
        switch (packet)
        {
            case MqttConnectPacket connect:
                WriteConnect(connect, body);
                return 0;

            case MqttConnAckPacket connAck:
                body.WriteByte(connAck.SessionPresent ? (byte)1 : (byte)0);
                body.WriteByte(is5 ? (byte)connAck.ReasonCode : (byte)connAck.ReasonCode.ToConnectReturnCode());
                if (is5)
                {
                    MqttPropertiesCodec.Write(body, connAck.Properties);
                }

                return 0;

            case MqttPublishPacket publish:
                body.WriteString(publish.Topic);
                if (publish.QualityOfService != MqttQualityOfService.AtMostOnce)
                {
                    body.WriteUInt16(publish.PacketId);
                }

                if (is5)
                {
                    MqttPropertiesCodec.Write(body, publish.Properties);
                }

                body.WriteRaw(publish.Payload.Span);
                return (publish.Dup ? 0x08 : 0) | ((int)publish.QualityOfService << 1) | (publish.Retain ? 0x01 : 0);

            case MqttPublishResponsePacket response:
                body.WriteUInt16(response.PacketId);
                // The short forms are what most clients send, and what 3.1.1 requires.
                if (is5 && (response.ReasonCode != MqttReasonCode.Success || !IsEmpty(response.Properties)))
                {
                    body.WriteByte((byte)response.ReasonCode);
                    if (!IsEmpty(response.Properties))
                    {
                        MqttPropertiesCodec.Write(body, response.Properties);
                    }
                }

                return response is MqttPubRelPacket ? 2 : 0;

            case MqttSubscribePacket subscribe:
                body.WriteUInt16(subscribe.PacketId);
                if (is5)
                {
                    MqttPropertiesCodec.Write(body, subscribe.Properties);
                }

                foreach (var s in subscribe.Subscriptions)
                {
                    body.WriteString(s.TopicFilter);
                    var options = (int)s.MaximumQoS;
                    if (is5)
                    {
                        options |= (s.NoLocal ? 0x04 : 0) | (s.RetainAsPublished ? 0x08 : 0) | ((int)s.RetainHandling << 4);
                    }

                    body.WriteByte((byte)options);
                }

                return 2;

            case MqttSubAckPacket subAck:
                body.WriteUInt16(subAck.PacketId);
                if (is5)
                {
                    MqttPropertiesCodec.Write(body, subAck.Properties);
                }

                foreach (var code in subAck.ReasonCodes)
                {
                    // 3.1.1 has a single failure value, 0x80.
                    body.WriteByte(is5 || !code.IsFailure() ? (byte)code : (byte)0x80);
                }

                return 0;

            case MqttUnsubscribePacket unsubscribe:
                body.WriteUInt16(unsubscribe.PacketId);
                if (is5)
                {
                    MqttPropertiesCodec.Write(body, unsubscribe.Properties);
                }

                foreach (var filter in unsubscribe.TopicFilters)
                {
                    body.WriteString(filter);
                }

                return 2;

            case MqttUnsubAckPacket unsubAck:
                body.WriteUInt16(unsubAck.PacketId);
                if (is5)
                {
                    MqttPropertiesCodec.Write(body, unsubAck.Properties);
                    foreach (var code in unsubAck.ReasonCodes)
                    {
                        body.WriteByte((byte)code);
                    }
                }

                return 0;

            case MqttPingReqPacket or MqttPingRespPacket:
                return 0;

            case MqttDisconnectPacket disconnect:
                if (is5 && (disconnect.ReasonCode != MqttReasonCode.NormalDisconnection || !IsEmpty(disconnect.Properties)))
                {
                    body.WriteByte((byte)disconnect.ReasonCode);
                    if (!IsEmpty(disconnect.Properties))
                    {
                        MqttPropertiesCodec.Write(body, disconnect.Properties);
                    }
                }

                return 0;

            case MqttAuthPacket auth:
                if (!is5)
                {
                    throw new ArgumentException("AUTH exists only in MQTT 5.0.", nameof(packet));
                }

                if (auth.ReasonCode != MqttReasonCode.Success || !IsEmpty(auth.Properties))
                {
                    body.WriteByte((byte)auth.ReasonCode);
                    MqttPropertiesCodec.Write(body, auth.Properties);
                }

                return 0;

            default:
                throw new ArgumentException($"Unknown packet {packet.GetType().Name}.", nameof(packet));
        }
    }

    private static void WriteConnect(MqttConnectPacket connect, MqttBodyWriter body)
    {
        var is5 = connect.ProtocolVersion == MqttProtocolVersion.V500;
        body.WriteString("MQTT");
        body.WriteByte((byte)connect.ProtocolVersion);
        var flags = 0;
        if (connect.UserName is not null)
        {
            flags |= 0x80;
        }

        if (connect.Password is not null)
        {
            flags |= 0x40;
        }

        if (connect.Will is { } will)
        {
            flags |= 0x04 | ((int)will.QualityOfService << 3) | (will.Retain ? 0x20 : 0);
        }

        if (connect.CleanStart)
        {
            flags |= 0x02;
        }

        body.WriteByte((byte)flags);
        body.WriteUInt16(connect.KeepAliveSeconds);
        if (is5)
        {
            MqttPropertiesCodec.Write(body, connect.Properties);
        }

        body.WriteString(connect.ClientId);
        if (connect.Will is { } w)
        {
            if (is5)
            {
                MqttPropertiesCodec.Write(body, w.Properties);
            }

            body.WriteString(w.Topic);
            body.WriteBinary(w.Payload);
        }

        if (connect.UserName is not null)
        {
            body.WriteString(connect.UserName);
        }

        if (connect.Password is not null)
        {
            body.WriteBinary(connect.Password);
        }
    }

    private static bool IsEmpty(MqttProperties properties) =>
        ReferenceEquals(properties, MqttProperties.Empty) || properties == MqttProperties.Empty;
}
