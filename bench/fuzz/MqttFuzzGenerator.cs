using System.Buffers;
using System.Text;
using CommandGrid.Mqtt.Codec;
using CommandGrid.Mqtt.Packets;

namespace CommandGrid.Fuzz;

/// <summary>
/// Valid MQTT 3.1.1 / 5.0 packets of every type a client sends, built with the project's own
/// <see cref="MqttPacketEncoder"/>, and mutations of them. Deterministic: everything comes from the
/// <see cref="Random"/> it is given. Shared by the bench fuzzer (bench/fuzz) and the test suite
/// (tests/Mqtt/FuzzTests.cs links this file).
/// </summary>
public sealed class MqttFuzzGenerator(Random rng, string thing, string deviceSecret)
{
    /// <summary>Names of the mutations, indexed as <see cref="Mutate"/> counts them.</summary>
    public static readonly string[] MutationNames =
    [
        "bit-flip", "byte-set", "insert", "delete", "truncate", "remaining-length", "property-id",
        "property-length", "duplicate-properties", "splice", "random-bytes", "header-byte", "oversized",
    ];

    private static readonly MqttReasonCode[] ReasonCodes = Enum.GetValues<MqttReasonCode>();

    public Random Random => rng;

    public string Thing => thing;

    /// <summary>How often each mutation was applied.</summary>
    public long[] MutationCounts { get; } = new long[MutationNames.Length];

    private string Tree => $"$emqx/commands/things/{thing}/";

    /// <summary>An encoded packet and, for 5.0 packets that have one, where its property block starts.</summary>
    public readonly record struct Template(byte[] Bytes, int PropertiesOffset);

    // ---------------------------------------------------------------- valid packets

    /// <summary>A CONNECT this grid accepts: the thing's name as user name and the device secret as password.</summary>
    public byte[] ValidConnect(MqttProtocolVersion version, string clientId) => Connect(version, clientId, credentials: true).Bytes;

    /// <summary>Any CONNECT variant: with/without will, user name, password, properties.</summary>
    public Template Connect(MqttProtocolVersion version, string clientId, bool credentials)
    {
        var is5 = version == MqttProtocolVersion.V500;
        var clean = rng.Next(4) != 0;
        MqttWill? will = null;
        if (rng.Next(3) == 0)
        {
            will = new MqttWill(
                Tree + (rng.Next(2) == 0 ? "will" : "status/offline"),
                RandomPayload(rng.Next(3) == 0 ? 200 : 16),
                (MqttQualityOfService)rng.Next(3),
                rng.Next(4) == 0,
                is5 && rng.Next(2) == 0 ? SomeProperties(PacketKind.Will) : MqttProperties.Empty);
        }

        string? user = credentials || rng.Next(2) == 0 ? thing : null;
        byte[]? password = credentials || (user is not null && rng.Next(2) == 0) ? Encoding.UTF8.GetBytes(deviceSecret) : null;
        var properties = is5 && rng.Next(3) != 0 ? SomeProperties(PacketKind.Connect) : MqttProperties.Empty;
        // A session that outlives its connection (3.1.1 without Clean Session, 5.0 with an expiry) takes an id from
        // a small set: the server rightly keeps such sessions (up to 7 days), and unique ids would only measure that.
        if (is5 ? properties.SessionExpiryInterval is > 0 : !clean)
        {
            clientId = ClientId("p");
        }

        var packet = new MqttConnectPacket
        {
            ProtocolVersion = version,
            ClientId = clientId,
            CleanStart = clean,
            KeepAliveSeconds = (ushort)(rng.Next(4) == 0 ? 0 : rng.Next(5, 120)),
            UserName = user,
            Password = password,
            Will = will,
            Properties = properties,
        };
        return Encode(packet, version);
    }

    /// <summary>A packet a connected client may send (valid on the wire; the server may still refuse it).</summary>
    public Template SessionPacket(MqttProtocolVersion version)
    {
        var is5 = version == MqttProtocolVersion.V500;
        var roll = rng.Next(100);
        MqttPacket packet = roll switch
        {
            < 35 => Publish(is5),
            < 42 => new MqttPubAckPacket { PacketId = PacketId(), ReasonCode = ResponseReason(is5), Properties = ResponseProperties(is5) },
            < 49 => new MqttPubRecPacket { PacketId = PacketId(), ReasonCode = ResponseReason(is5), Properties = ResponseProperties(is5) },
            < 56 => new MqttPubRelPacket { PacketId = PacketId(), ReasonCode = ResponseReason(is5), Properties = ResponseProperties(is5) },
            < 63 => new MqttPubCompPacket { PacketId = PacketId(), ReasonCode = ResponseReason(is5), Properties = ResponseProperties(is5) },
            < 75 => Subscribe(is5),
            < 83 => Unsubscribe(is5),
            < 93 => MqttPingReqPacket.Instance,
            < 97 => new MqttDisconnectPacket
            {
                ReasonCode = is5 && rng.Next(2) == 0 ? MqttReasonCode.DisconnectWithWillMessage : MqttReasonCode.NormalDisconnection,
                Properties = is5 && rng.Next(2) == 0 ? SomeProperties(PacketKind.Disconnect) : MqttProperties.Empty,
            },
            _ => is5
                ? new MqttAuthPacket { ReasonCode = rng.Next(2) == 0 ? MqttReasonCode.ContinueAuthentication : MqttReasonCode.ReAuthenticate, Properties = SomeProperties(PacketKind.Auth) }
                : MqttPingReqPacket.Instance,
        };
        return Encode(packet, version);
    }

    /// <summary>Any packet type in either version, CONNECT included: the raw material for mutations.</summary>
    public Template AnyPacket()
    {
        var version = rng.Next(2) == 0 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500;
        return rng.Next(4) == 0 ? Connect(version, ClientId("m"), credentials: rng.Next(2) == 0) : SessionPacket(version);
    }

    /// <summary>A client id in this thing's space; persistent ones come from a small set so sessions stay few.</summary>
    public string ClientId(string kind) => $"{thing}-{kind}{rng.Next(4)}";

    private MqttPublishPacket Publish(bool is5)
    {
        var qos = (MqttQualityOfService)rng.Next(3);
        var topic = rng.Next(10) switch
        {
            < 4 => $"{Tree}executions/{rng.Next(1, 1_000_000)}/response",
            < 6 => $"{Tree}telemetry/{rng.Next(100)}",
            < 7 => $"$emqx/commands/things/other-{rng.Next(10)}/executions/1/response",
            < 8 => "some/topic/" + rng.Next(1000),
            _ => $"{Tree}executions/{rng.Next(1, 1000)}/request",
        };
        var payload = rng.Next(4) switch
        {
            0 => Encoding.UTF8.GetBytes("{\"status\":\"SUCCEEDED\",\"result\":{}}"),
            1 => Encoding.UTF8.GetBytes($"{{\"status\":\"{(rng.Next(2) == 0 ? "FAILED" : "bogus")}\",\"result\":{rng.Next()}}}"),
            2 => RandomPayload(rng.Next(3) == 0 ? 4096 : 64),
            _ => [],
        };
        var properties = MqttProperties.Empty;
        if (is5 && rng.Next(2) == 0)
        {
            properties = SomeProperties(PacketKind.Publish);
        }

        return new MqttPublishPacket
        {
            Topic = topic,
            Payload = payload,
            QualityOfService = qos,
            Retain = rng.Next(8) == 0,
            Dup = qos != MqttQualityOfService.AtMostOnce && rng.Next(6) == 0,
            PacketId = qos == MqttQualityOfService.AtMostOnce ? (ushort)0 : PacketId(),
            Properties = properties,
        };
    }

    private MqttSubscribePacket Subscribe(bool is5)
    {
        var count = rng.Next(1, 6);
        var subscriptions = new List<MqttSubscription>(count);
        for (var i = 0; i < count; i++)
        {
            subscriptions.Add(new MqttSubscription(
                Filter(),
                (MqttQualityOfService)rng.Next(3),
                NoLocal: is5 && rng.Next(2) == 0,
                RetainAsPublished: is5 && rng.Next(2) == 0,
                RetainHandling: is5 ? (MqttRetainHandling)rng.Next(3) : MqttRetainHandling.SendAtSubscribe));
        }

        return new MqttSubscribePacket
        {
            PacketId = PacketId(),
            Subscriptions = subscriptions,
            Properties = is5 && rng.Next(2) == 0
                ? new MqttProperties { SubscriptionIdentifiers = [(uint)rng.Next(1, 1000)], UserProperties = UserProperties() }
                : MqttProperties.Empty,
        };
    }

    private MqttUnsubscribePacket Unsubscribe(bool is5)
    {
        var count = rng.Next(1, 6);
        var filters = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            filters.Add(Filter());
        }

        return new MqttUnsubscribePacket
        {
            PacketId = PacketId(),
            TopicFilters = filters,
            Properties = is5 && rng.Next(3) == 0 ? new MqttProperties { UserProperties = UserProperties() } : MqttProperties.Empty,
        };
    }

    private string Filter() => rng.Next(9) switch
    {
        0 => $"{Tree}executions/+/request",
        1 => $"{Tree}executions/+/response/+",
        2 => $"{Tree}#",
        3 => $"{Tree}executions/{rng.Next(1000)}/request",
        4 => "$emqx/commands/things/+/executions/+/request",
        5 => "#",
        6 => $"$share/g/{Tree}executions/+/request",
        7 => $"{Tree}a/#/b",
        _ => $"{Tree}x/{rng.Next(100)}/+",
    };

    private enum PacketKind { Connect, Will, Publish, Disconnect, Auth }

    private MqttProperties SomeProperties(PacketKind kind)
    {
        var p = new MqttProperties { UserProperties = rng.Next(2) == 0 ? UserProperties() : [] };
        switch (kind)
        {
            case PacketKind.Connect:
                return p with
                {
                    SessionExpiryInterval = rng.Next(2) == 0 ? (uint)rng.Next(0, 600) : null,
                    ReceiveMaximum = rng.Next(2) == 0 ? (ushort)rng.Next(1, 100) : null,
                    MaximumPacketSize = rng.Next(3) == 0 ? (uint)rng.Next(64, 1 << 20) : null,
                    TopicAliasMaximum = rng.Next(2) == 0 ? (ushort)rng.Next(0, 20) : null,
                    RequestProblemInformation = rng.Next(3) == 0 ? (byte)rng.Next(2) : null,
                    RequestResponseInformation = rng.Next(3) == 0 ? (byte)rng.Next(2) : null,
                    // Enhanced authentication is refused by this server; rare, so most CONNECTs get through.
                    AuthenticationMethod = rng.Next(20) == 0 ? "SCRAM-SHA-1" : null,
                };
            case PacketKind.Will:
                return p with
                {
                    WillDelayInterval = rng.Next(2) == 0 ? (uint)rng.Next(0, 10) : null,
                    PayloadFormatIndicator = rng.Next(2) == 0 ? (byte)rng.Next(2) : null,
                    MessageExpiryInterval = rng.Next(2) == 0 ? (uint)rng.Next(0, 100) : null,
                    ContentType = rng.Next(3) == 0 ? "text/plain" : null,
                };
            case PacketKind.Publish:
                return p with
                {
                    PayloadFormatIndicator = rng.Next(3) == 0 ? (byte)rng.Next(2) : null,
                    MessageExpiryInterval = rng.Next(3) == 0 ? (uint)rng.Next(0, 100) : null,
                    ContentType = rng.Next(3) == 0 ? "application/json" : null,
                    ResponseTopic = rng.Next(3) == 0 ? Tree + "reply/" + rng.Next(10) : null,
                    CorrelationData = rng.Next(3) == 0 ? RandomPayload(8) : null,
                    TopicAlias = rng.Next(3) == 0 ? (ushort)rng.Next(0, 20) : null,
                };
            case PacketKind.Disconnect:
                return p with
                {
                    SessionExpiryInterval = rng.Next(2) == 0 ? (uint)rng.Next(0, 60) : null,
                    ReasonString = rng.Next(2) == 0 ? "bye" : null,
                };
            default:
                return p with
                {
                    AuthenticationMethod = "SCRAM-SHA-1",
                    AuthenticationData = RandomPayload(16),
                    ReasonString = rng.Next(2) == 0 ? "again" : null,
                };
        }
    }

    private MqttProperties ResponseProperties(bool is5) =>
        is5 && rng.Next(4) == 0 ? new MqttProperties { ReasonString = "r" + rng.Next(100), UserProperties = UserProperties() } : MqttProperties.Empty;

    private MqttReasonCode ResponseReason(bool is5) =>
        is5 && rng.Next(3) == 0 ? ReasonCodes[rng.Next(ReasonCodes.Length)] : MqttReasonCode.Success;

    private List<MqttUserProperty> UserProperties()
    {
        var count = rng.Next(1, 4);
        var list = new List<MqttUserProperty>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(new MqttUserProperty("k" + rng.Next(10), "v" + rng.Next(1000)));
        }

        return list;
    }

    private ushort PacketId() => (ushort)rng.Next(1, 65536);

    private byte[] RandomPayload(int max)
    {
        var bytes = new byte[rng.Next(max + 1)];
        rng.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Encodes, and finds the 5.0 property block by encoding again without properties (the bodies differ first there).</summary>
    private static Template Encode(MqttPacket packet, MqttProtocolVersion version)
    {
        var bytes = MqttPacketEncoder.ToArray(packet, version);
        if (version != MqttProtocolVersion.V500)
        {
            return new Template(bytes, -1);
        }

        MqttPacket? bare = packet switch
        {
            MqttConnectPacket c => c with { Properties = MqttProperties.Empty },
            MqttPublishPacket p => p with { Properties = MqttProperties.Empty },
            MqttSubscribePacket s => s with { Properties = MqttProperties.Empty },
            MqttUnsubscribePacket u => u with { Properties = MqttProperties.Empty },
            MqttPublishResponsePacket r when !ReferenceEquals(r.Properties, MqttProperties.Empty) => r with { Properties = MqttProperties.Empty },
            MqttDisconnectPacket d when !ReferenceEquals(d.Properties, MqttProperties.Empty) => d with { Properties = MqttProperties.Empty },
            MqttAuthPacket a => a with { Properties = MqttProperties.Empty },
            _ => null,
        };
        if (bare is null)
        {
            return new Template(bytes, -1);
        }

        var other = MqttPacketEncoder.ToArray(bare, version);
        var bodyStart = HeaderLength(bytes);
        var otherStart = HeaderLength(other);
        for (int i = bodyStart, j = otherStart; i < bytes.Length && j < other.Length; i++, j++)
        {
            if (bytes[i] != other[j])
            {
                return new Template(bytes, i);
            }
        }

        return new Template(bytes, -1);
    }

    private static int HeaderLength(ReadOnlySpan<byte> packet)
    {
        var i = 1;
        while (i < packet.Length && i < 5 && (packet[i] & 0x80) != 0)
        {
            i++;
        }

        return i + 1;
    }

    // ---------------------------------------------------------------- mutations

    /// <summary>One to three mutations of <paramref name="template"/>; <paramref name="other"/> feeds splicing.</summary>
    public byte[] Mutate(Template template, Template other)
    {
        var bytes = template.Bytes;
        var propertiesOffset = template.PropertiesOffset;
        var rounds = rng.Next(10) < 7 ? 1 : rng.Next(2, 4);
        for (var round = 0; round < rounds; round++)
        {
            // A previous round may have truncated everything away.
            if (bytes.Length == 0)
            {
                bytes = RandomBytes();
                continue;
            }

            var kind = rng.Next(MutationNames.Length);
            // Property mutations need a property block; fall back to a bit flip without one.
            if (kind is 6 or 7 or 8 && (propertiesOffset < 0 || propertiesOffset >= bytes.Length))
            {
                kind = 0;
            }

            MutationCounts[kind]++;
            bytes = kind switch
            {
                0 => BitFlips(bytes),
                1 => ByteSet(bytes),
                2 => Insert(bytes),
                3 => Delete(bytes),
                4 => bytes[..rng.Next(bytes.Length)],
                5 => CorruptRemainingLength(bytes),
                6 => CorruptPropertyId(bytes, propertiesOffset),
                7 => CorruptPropertyLength(bytes, propertiesOffset),
                8 => DuplicateProperties(bytes, propertiesOffset),
                9 => Splice(bytes, other.Bytes),
                10 => RandomBytes(),
                11 => HeaderByte(bytes),
                _ => Oversized(bytes),
            };

            // Structural offsets are only trusted for the first round.
            propertiesOffset = -1;
        }

        return bytes;
    }

    public byte[] RandomBytes()
    {
        var bytes = new byte[rng.Next(1, rng.Next(10) == 0 ? 2048 : 64)];
        rng.NextBytes(bytes);
        return bytes;
    }

    private byte[] BitFlips(byte[] source)
    {
        var bytes = (byte[])source.Clone();
        var flips = rng.Next(1, 9);
        for (var i = 0; i < flips && bytes.Length > 0; i++)
        {
            bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
        }

        return bytes;
    }

    private byte[] ByteSet(byte[] source)
    {
        var bytes = (byte[])source.Clone();
        var count = rng.Next(1, 4);
        for (var i = 0; i < count && bytes.Length > 0; i++)
        {
            bytes[rng.Next(bytes.Length)] = rng.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => (byte)rng.Next(256) };
        }

        return bytes;
    }

    private byte[] Insert(byte[] source)
    {
        var insert = new byte[rng.Next(1, 17)];
        rng.NextBytes(insert);
        var at = rng.Next(source.Length + 1);
        return [.. source.AsSpan(0, at), .. insert, .. source.AsSpan(at)];
    }

    private byte[] Delete(byte[] source)
    {
        if (source.Length <= 1)
        {
            return source;
        }

        var at = rng.Next(source.Length);
        var count = Math.Min(rng.Next(1, 9), source.Length - at);
        return [.. source.AsSpan(0, at), .. source.AsSpan(at + count)];
    }

    /// <summary>Replaces the remaining length: huge, overlong (5 bytes), non-minimal, or off by a little.</summary>
    private byte[] CorruptRemainingLength(byte[] source)
    {
        var headerLength = HeaderLength(source);
        var bodyLength = Math.Max(0, source.Length - headerLength);
        byte[] length = rng.Next(6) switch
        {
            0 => [0xFF, 0xFF, 0xFF, 0x7F],                      // 268,435,455: the maximum
            1 => [0xFF, 0xFF, 0xFF, 0xFF, 0x01],                // five bytes: malformed
            2 => Vbi(rng.Next(1 << 20, 1 << 24)),               // above the server's packet limit
            3 => [(byte)(0x80 | (bodyLength & 0x7F)), 0x80, 0x00], // non-minimal encoding
            4 => Vbi(Math.Max(0, bodyLength + rng.Next(-4, 5))),
            _ => Vbi(rng.Next(0, 1 << 16)),
        };
        return [source[0], .. length, .. source.AsSpan(Math.Min(headerLength, source.Length))];
    }

    private byte[] CorruptPropertyId(byte[] source, int propertiesOffset)
    {
        var bytes = (byte[])source.Clone();
        // The first property id follows the block's length (one byte for these small blocks).
        var at = Math.Min(bytes.Length - 1, propertiesOffset + 1 + rng.Next(3));
        bytes[at] = rng.Next(4) switch
        {
            0 => 0x00,
            1 => (byte)rng.Next(0x2B, 0x80),  // unassigned single-byte ids
            2 => 0x80,                         // a multi-byte variable byte integer id
            _ => (byte)rng.Next(256),
        };
        return bytes;
    }

    private byte[] CorruptPropertyLength(byte[] source, int propertiesOffset)
    {
        var lengthBytes = VbiLength(source, propertiesOffset);
        byte[] replacement = rng.Next(4) switch
        {
            0 => [0xFF, 0xFF, 0xFF, 0x7F],
            1 => [0xFF, 0xFF, 0xFF, 0xFF],
            2 => Vbi(rng.Next(0, 256)),
            _ => Vbi(Math.Max(0, source[propertiesOffset] + rng.Next(-3, 4))),
        };
        var body = (byte[])[.. source.AsSpan(HeaderLength(source), propertiesOffset - HeaderLength(source)), .. replacement, .. source.AsSpan(propertiesOffset + lengthBytes)];
        return Reframe(source[0], body);
    }

    /// <summary>Repeats the whole property block (so every property appears twice) and fixes both lengths.</summary>
    private byte[] DuplicateProperties(byte[] source, int propertiesOffset)
    {
        var header = HeaderLength(source);
        var lengthBytes = VbiLength(source, propertiesOffset);
        var blockLength = ReadVbi(source, propertiesOffset);
        var blockStart = propertiesOffset + lengthBytes;
        if (blockLength <= 0 || blockStart + blockLength > source.Length)
        {
            return BitFlips(source);
        }

        var block = source.AsSpan(blockStart, blockLength);
        var body = (byte[])[.. source.AsSpan(header, propertiesOffset - header), .. Vbi(blockLength * 2), .. block, .. block, .. source.AsSpan(blockStart + blockLength)];
        return Reframe(source[0], body);
    }

    private byte[] Splice(byte[] a, byte[] b)
    {
        var cutA = rng.Next(a.Length + 1);
        var cutB = rng.Next(b.Length + 1);
        var spliced = (byte[])[.. a.AsSpan(0, cutA), .. b.AsSpan(cutB)];
        // Half the time the header is fixed up, so the decoder gets past the length check into the body.
        return rng.Next(2) == 0 && spliced.Length > 0 ? Reframe(spliced[0], spliced.AsSpan(Math.Min(HeaderLength(spliced), spliced.Length)).ToArray()) : spliced;
    }

    private byte[] HeaderByte(byte[] source)
    {
        var bytes = (byte[])source.Clone();
        bytes[0] = rng.Next(2) == 0 ? (byte)((bytes[0] & 0xF0) | rng.Next(16)) : (byte)(rng.Next(16) << 4 | (bytes[0] & 0x0F));
        return bytes;
    }

    /// <summary>A real body around the server's 1 MiB packet limit (just below or above it).</summary>
    private byte[] Oversized(byte[] source)
    {
        if (rng.Next(20) != 0)
        {
            return CorruptRemainingLength(source);
        }

        var padding = new byte[(1 << 20) - rng.Next(-64, 64) - source.Length];
        return Reframe(source[0], [.. source.AsSpan(Math.Min(HeaderLength(source), source.Length)), .. padding]);
    }

    private static byte[] Reframe(byte header, byte[] body)
    {
        var length = Math.Min(body.Length, MqttVariableByteInteger.MaxValue);
        return [header, .. Vbi(length), .. body];
    }

    private static byte[] Vbi(int value)
    {
        var buffer = new byte[MqttVariableByteInteger.MaxLength];
        var size = MqttVariableByteInteger.Write(buffer, Math.Clamp(value, 0, MqttVariableByteInteger.MaxValue));
        return buffer[..size];
    }

    private static int VbiLength(byte[] bytes, int offset)
    {
        var i = offset;
        while (i < bytes.Length && i - offset < 3 && (bytes[i] & 0x80) != 0)
        {
            i++;
        }

        return Math.Min(i - offset + 1, bytes.Length - offset);
    }

    private static int ReadVbi(byte[] bytes, int offset)
    {
        var value = 0;
        for (var i = 0; i < 4 && offset + i < bytes.Length; i++)
        {
            value |= (bytes[offset + i] & 0x7F) << (7 * i);
            if ((bytes[offset + i] & 0x80) == 0)
            {
                return value;
            }
        }

        return -1;
    }
}
