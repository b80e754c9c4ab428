using System.Buffers;
using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Mqtt.Codec;

/// <summary>Reads and writes the 5.0 property block: a variable-byte length, then id/value pairs.</summary>
internal static class MqttPropertiesCodec
{
    public static MqttProperties Read(ref MqttBodyReader reader)
    {
        var length = reader.ReadVariableByteInteger();
        if (length == 0)
        {
            return MqttProperties.Empty;
        }

        var block = new MqttBodyReader(reader.ReadSlice(length, "the property block"));
        var properties = new MqttProperties();
        ulong seen = 0;
        List<MqttUserProperty>? userProperties = null;
        List<uint>? subscriptionIds = null;
        while (!block.End)
        {
            var id = block.ReadVariableByteInteger();
            if (id is not (>= 1 and < 64))
            {
                throw MqttProtocolException.Malformed($"Unknown property identifier 0x{id:X2}.");
            }

            var propertyId = (MqttPropertyId)id;
            var repeatable = propertyId is MqttPropertyId.UserProperty or MqttPropertyId.SubscriptionIdentifier;
            if (!repeatable && (seen & (1UL << id)) != 0)
            {
                throw MqttProtocolException.ProtocolError($"Property {propertyId} appears more than once.");
            }

            seen |= 1UL << id;
            properties = propertyId switch
            {
                MqttPropertyId.PayloadFormatIndicator => properties with { PayloadFormatIndicator = ReadFlag(ref block, propertyId) },
                MqttPropertyId.MessageExpiryInterval => properties with { MessageExpiryInterval = block.ReadUInt32() },
                MqttPropertyId.ContentType => properties with { ContentType = block.ReadString() },
                MqttPropertyId.ResponseTopic => properties with { ResponseTopic = block.ReadString() },
                MqttPropertyId.CorrelationData => properties with { CorrelationData = block.ReadBinary() },
                MqttPropertyId.SubscriptionIdentifier => AddSubscriptionId(properties, ref subscriptionIds, ref block),
                MqttPropertyId.SessionExpiryInterval => properties with { SessionExpiryInterval = block.ReadUInt32() },
                MqttPropertyId.AssignedClientIdentifier => properties with { AssignedClientIdentifier = block.ReadString() },
                MqttPropertyId.ServerKeepAlive => properties with { ServerKeepAlive = block.ReadUInt16() },
                MqttPropertyId.AuthenticationMethod => properties with { AuthenticationMethod = block.ReadString() },
                MqttPropertyId.AuthenticationData => properties with { AuthenticationData = block.ReadBinary() },
                MqttPropertyId.RequestProblemInformation => properties with { RequestProblemInformation = ReadFlag(ref block, propertyId) },
                MqttPropertyId.WillDelayInterval => properties with { WillDelayInterval = block.ReadUInt32() },
                MqttPropertyId.RequestResponseInformation => properties with { RequestResponseInformation = ReadFlag(ref block, propertyId) },
                MqttPropertyId.ResponseInformation => properties with { ResponseInformation = block.ReadString() },
                MqttPropertyId.ServerReference => properties with { ServerReference = block.ReadString() },
                MqttPropertyId.ReasonString => properties with { ReasonString = block.ReadString() },
                MqttPropertyId.ReceiveMaximum => properties with { ReceiveMaximum = ReadNonZeroUInt16(ref block, propertyId) },
                MqttPropertyId.TopicAliasMaximum => properties with { TopicAliasMaximum = block.ReadUInt16() },
                MqttPropertyId.TopicAlias => properties with { TopicAlias = block.ReadUInt16() },
                MqttPropertyId.MaximumQoS => properties with { MaximumQoS = ReadFlag(ref block, propertyId) },
                MqttPropertyId.RetainAvailable => properties with { RetainAvailable = ReadFlag(ref block, propertyId) },
                MqttPropertyId.UserProperty => AddUserProperty(properties, ref userProperties, ref block),
                MqttPropertyId.MaximumPacketSize => properties with { MaximumPacketSize = ReadNonZeroUInt32(ref block, propertyId) },
                MqttPropertyId.WildcardSubscriptionAvailable => properties with { WildcardSubscriptionAvailable = ReadFlag(ref block, propertyId) },
                MqttPropertyId.SubscriptionIdentifierAvailable => properties with { SubscriptionIdentifierAvailable = ReadFlag(ref block, propertyId) },
                MqttPropertyId.SharedSubscriptionAvailable => properties with { SharedSubscriptionAvailable = ReadFlag(ref block, propertyId) },
                _ => throw MqttProtocolException.Malformed($"Unknown property identifier 0x{id:X2}."),
            };
        }

        return properties;
    }

    public static void Write(MqttBodyWriter body, MqttProperties properties)
    {
        if (ReferenceEquals(properties, MqttProperties.Empty))
        {
            body.WriteByte(0);
            return;
        }

        var scratch = new ArrayBufferWriter<byte>(64);
        var block = new MqttBodyWriter(scratch);
        WriteByteProperty(block, MqttPropertyId.PayloadFormatIndicator, properties.PayloadFormatIndicator);
        WriteUInt32Property(block, MqttPropertyId.MessageExpiryInterval, properties.MessageExpiryInterval);
        WriteStringProperty(block, MqttPropertyId.ContentType, properties.ContentType);
        WriteStringProperty(block, MqttPropertyId.ResponseTopic, properties.ResponseTopic);
        WriteBinaryProperty(block, MqttPropertyId.CorrelationData, properties.CorrelationData);
        foreach (var subscriptionId in properties.SubscriptionIdentifiers)
        {
            block.WriteByte((byte)MqttPropertyId.SubscriptionIdentifier);
            block.WriteVariableByteInteger(checked((int)subscriptionId));
        }

        WriteUInt32Property(block, MqttPropertyId.SessionExpiryInterval, properties.SessionExpiryInterval);
        WriteStringProperty(block, MqttPropertyId.AssignedClientIdentifier, properties.AssignedClientIdentifier);
        WriteUInt16Property(block, MqttPropertyId.ServerKeepAlive, properties.ServerKeepAlive);
        WriteStringProperty(block, MqttPropertyId.AuthenticationMethod, properties.AuthenticationMethod);
        WriteBinaryProperty(block, MqttPropertyId.AuthenticationData, properties.AuthenticationData);
        WriteByteProperty(block, MqttPropertyId.RequestProblemInformation, properties.RequestProblemInformation);
        WriteUInt32Property(block, MqttPropertyId.WillDelayInterval, properties.WillDelayInterval);
        WriteByteProperty(block, MqttPropertyId.RequestResponseInformation, properties.RequestResponseInformation);
        WriteStringProperty(block, MqttPropertyId.ResponseInformation, properties.ResponseInformation);
        WriteStringProperty(block, MqttPropertyId.ServerReference, properties.ServerReference);
        WriteStringProperty(block, MqttPropertyId.ReasonString, properties.ReasonString);
        WriteUInt16Property(block, MqttPropertyId.ReceiveMaximum, properties.ReceiveMaximum);
        WriteUInt16Property(block, MqttPropertyId.TopicAliasMaximum, properties.TopicAliasMaximum);
        WriteUInt16Property(block, MqttPropertyId.TopicAlias, properties.TopicAlias);
        WriteByteProperty(block, MqttPropertyId.MaximumQoS, properties.MaximumQoS);
        WriteByteProperty(block, MqttPropertyId.RetainAvailable, properties.RetainAvailable);
        foreach (var userProperty in properties.UserProperties)
        {
            block.WriteByte((byte)MqttPropertyId.UserProperty);
            block.WriteString(userProperty.Name);
            block.WriteString(userProperty.Value);
        }

        WriteUInt32Property(block, MqttPropertyId.MaximumPacketSize, properties.MaximumPacketSize);
        WriteByteProperty(block, MqttPropertyId.WildcardSubscriptionAvailable, properties.WildcardSubscriptionAvailable);
        WriteByteProperty(block, MqttPropertyId.SubscriptionIdentifierAvailable, properties.SubscriptionIdentifierAvailable);
        WriteByteProperty(block, MqttPropertyId.SharedSubscriptionAvailable, properties.SharedSubscriptionAvailable);

        body.WriteVariableByteInteger(scratch.WrittenCount);
        body.WriteRaw(scratch.WrittenSpan);
    }

    // The one-byte properties are all booleans or a QoS of 0/1; any other value is a protocol error.
    private static byte ReadFlag(ref MqttBodyReader reader, MqttPropertyId id)
    {
        var value = reader.ReadByte();
        if (value > 1)
        {
            throw MqttProtocolException.ProtocolError($"Property {id} must be 0 or 1, was {value}.");
        }

        return value;
    }

    private static ushort ReadNonZeroUInt16(ref MqttBodyReader reader, MqttPropertyId id)
    {
        var value = reader.ReadUInt16();
        return value == 0 ? throw MqttProtocolException.ProtocolError($"Property {id} must not be zero.") : value;
    }

    private static uint ReadNonZeroUInt32(ref MqttBodyReader reader, MqttPropertyId id)
    {
        var value = reader.ReadUInt32();
        return value == 0 ? throw MqttProtocolException.ProtocolError($"Property {id} must not be zero.") : value;
    }

    private static MqttProperties AddSubscriptionId(MqttProperties properties, ref List<uint>? list, ref MqttBodyReader reader)
    {
        var value = reader.ReadVariableByteInteger();
        if (value == 0)
        {
            throw MqttProtocolException.ProtocolError("Subscription identifier must not be zero.");
        }

        list ??= [];
        list.Add((uint)value);
        return properties with { SubscriptionIdentifiers = list };
    }

    private static MqttProperties AddUserProperty(MqttProperties properties, ref List<MqttUserProperty>? list, ref MqttBodyReader reader)
    {
        var name = reader.ReadString();
        var value = reader.ReadString();
        list ??= [];
        list.Add(new MqttUserProperty(name, value));
        return properties with { UserProperties = list };
    }

    private static void WriteByteProperty(MqttBodyWriter w, MqttPropertyId id, byte? value)
    {
        if (value is { } v)
        {
            w.WriteByte((byte)id);
            w.WriteByte(v);
        }
    }

    private static void WriteUInt16Property(MqttBodyWriter w, MqttPropertyId id, ushort? value)
    {
        if (value is { } v)
        {
            w.WriteByte((byte)id);
            w.WriteUInt16(v);
        }
    }

    private static void WriteUInt32Property(MqttBodyWriter w, MqttPropertyId id, uint? value)
    {
        if (value is { } v)
        {
            w.WriteByte((byte)id);
            w.WriteUInt32(v);
        }
    }

    private static void WriteStringProperty(MqttBodyWriter w, MqttPropertyId id, string? value)
    {
        if (value is not null)
        {
            w.WriteByte((byte)id);
            w.WriteString(value);
        }
    }

    private static void WriteBinaryProperty(MqttBodyWriter w, MqttPropertyId id, byte[]? value)
    {
        if (value is not null)
        {
            w.WriteByte((byte)id);
            w.WriteBinary(value);
        }
    }
}
