using System.Buffers;
using System.Text;
using CommandGrid.Mqtt.Codec;
using CommandGrid.Mqtt.Packets;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

public sealed class CodecTests
{
    private static readonly MqttProperties RichMessageProperties = new()
    {
        PayloadFormatIndicator = 1,
        MessageExpiryInterval = 3600,
        ContentType = "application/json",
        ResponseTopic = "devices/d1/replies",
        CorrelationData = [1, 2, 3, 250],
        UserProperties = [new("trace", "abc"), new("trace", "def"), new("ünïcode", "✓")],
    };

    public static TheoryData<string, MqttPacket> Packets()
    {
        var data = new TheoryData<string, MqttPacket>
        {
            { "connect-minimal", new MqttConnectPacket { ClientId = "c1", KeepAliveSeconds = 60 } },
            {
                "connect-full",
                new MqttConnectPacket
                {
                    ClientId = "device-42",
                    CleanStart = false,
                    KeepAliveSeconds = 30,
                    UserName = "device-42",
                    Password = Encoding.UTF8.GetBytes("secret"),
                    Will = new MqttWill("devices/42/status", Encoding.UTF8.GetBytes("gone"), MqttQualityOfService.AtLeastOnce, true,
                        RichMessageProperties with { WillDelayInterval = 5 }),
                    Properties = new MqttProperties
                    {
                        SessionExpiryInterval = 300,
                        ReceiveMaximum = 10,
                        MaximumPacketSize = 65536,
                        TopicAliasMaximum = 4,
                        RequestProblemInformation = 1,
                        RequestResponseInformation = 0,
                        UserProperties = [new("fw", "1.2.3")],
                    },
                }
            },
            { "connack-accepted", new MqttConnAckPacket { SessionPresent = true } },
            { "connack-refused", new MqttConnAckPacket { ReasonCode = MqttReasonCode.NotAuthorized } },
            {
                "connack-properties",
                new MqttConnAckPacket
                {
                    Properties = new MqttProperties
                    {
                        SessionExpiryInterval = 60,
                        AssignedClientIdentifier = "auto-1",
                        ServerKeepAlive = 120,
                        ReceiveMaximum = 20,
                        TopicAliasMaximum = 16,
                        MaximumQoS = 1,
                        RetainAvailable = 0,
                        MaximumPacketSize = 1 << 20,
                        WildcardSubscriptionAvailable = 1,
                        SubscriptionIdentifierAvailable = 1,
                        SharedSubscriptionAvailable = 0,
                        ReasonString = "welcome",
                        ResponseInformation = "resp/",
                        ServerReference = "other:1883",
                    },
                }
            },
            { "publish-qos0", new MqttPublishPacket { Topic = "devices/d1/telemetry", Payload = Encoding.UTF8.GetBytes("{\"t\":21.5}") } },
            { "publish-qos1-dup-retain", new MqttPublishPacket { Topic = "a/b", Payload = new byte[300], QualityOfService = MqttQualityOfService.AtLeastOnce, Dup = true, Retain = true, PacketId = 65535 } },
            {
                "publish-qos2-properties",
                new MqttPublishPacket
                {
                    Topic = "devices/d1/cmd",
                    Payload = Encoding.UTF8.GetBytes("hello"),
                    QualityOfService = MqttQualityOfService.ExactlyOnce,
                    PacketId = 7,
                    Properties = RichMessageProperties with { TopicAlias = 3, SubscriptionIdentifiers = [1, 268_435_455] },
                }
            },
            { "puback", new MqttPubAckPacket { PacketId = 1 } },
            { "puback-reason", new MqttPubAckPacket { PacketId = 2, ReasonCode = MqttReasonCode.NotAuthorized } },
            { "pubrec-reason-properties", new MqttPubRecPacket { PacketId = 3, ReasonCode = MqttReasonCode.QuotaExceeded, Properties = new MqttProperties { ReasonString = "full" } } },
            { "pubrel", new MqttPubRelPacket { PacketId = 4 } },
            { "pubrel-not-found", new MqttPubRelPacket { PacketId = 4, ReasonCode = MqttReasonCode.PacketIdentifierNotFound } },
            { "pubcomp", new MqttPubCompPacket { PacketId = 5 } },
            {
                "subscribe",
                new MqttSubscribePacket
                {
                    PacketId = 10,
                    Subscriptions =
                    [
                        new MqttSubscription("devices/+/cmd", MqttQualityOfService.ExactlyOnce, NoLocal: true, RetainAsPublished: true, RetainHandling: MqttRetainHandling.DoNotSend),
                        new MqttSubscription("devices/#", MqttQualityOfService.AtMostOnce),
                    ],
                    Properties = new MqttProperties { SubscriptionIdentifiers = [12], UserProperties = [new("k", "v")] },
                }
            },
            { "suback", new MqttSubAckPacket { PacketId = 10, ReasonCodes = [MqttReasonCode.GrantedQoS2, MqttReasonCode.GrantedQoS0, MqttReasonCode.UnspecifiedError] } },
            { "unsubscribe", new MqttUnsubscribePacket { PacketId = 11, TopicFilters = ["a/+", "b/#"] } },
            { "unsuback", new MqttUnsubAckPacket { PacketId = 11, ReasonCodes = [MqttReasonCode.Success, MqttReasonCode.NoSubscriptionExisted] } },
            { "pingreq", MqttPingReqPacket.Instance },
            { "pingresp", MqttPingRespPacket.Instance },
            { "disconnect", new MqttDisconnectPacket() },
            { "disconnect-reason", new MqttDisconnectPacket { ReasonCode = MqttReasonCode.SessionTakenOver, Properties = new MqttProperties { ReasonString = "bye", SessionExpiryInterval = 0 } } },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Packets))]
    public void Codec_RoundTripsEveryPacketIn311(string name, MqttPacket packet) => AssertRoundTrip(name, packet, MqttProtocolVersion.V311);

    [Theory]
    [MemberData(nameof(Packets))]
    public void Codec_RoundTripsEveryPacketIn50(string name, MqttPacket packet) => AssertRoundTrip(name, packet, MqttProtocolVersion.V500);

    [Fact]
    public void Codec_RoundTripsAuthIn50()
    {
        var auth = new MqttAuthPacket
        {
            ReasonCode = MqttReasonCode.ContinueAuthentication,
            Properties = new MqttProperties { AuthenticationMethod = "SCRAM-SHA-1", AuthenticationData = [9, 8, 7] },
        };
        AssertRoundTrip("auth", auth, MqttProtocolVersion.V500);
        var decoded = Assert.IsType<MqttAuthPacket>(Decode(MqttPacketEncoder.ToArray(auth, MqttProtocolVersion.V500), MqttProtocolVersion.V500));
        Assert.Equal("SCRAM-SHA-1", decoded.Properties.AuthenticationMethod);
        Assert.Equal(new byte[] { 9, 8, 7 }, decoded.Properties.AuthenticationData);
    }

    [Fact]
    public void Codec_DecodesEveryFieldOfA50Publish()
    {
        var packet = (MqttPublishPacket)Packets().Single(row => (string)row[0] == "publish-qos2-properties")[1];
        var decoded = Assert.IsType<MqttPublishPacket>(Decode(MqttPacketEncoder.ToArray(packet, MqttProtocolVersion.V500), MqttProtocolVersion.V500));
        Assert.Equal("devices/d1/cmd", decoded.Topic);
        Assert.Equal("hello", Encoding.UTF8.GetString(decoded.Payload.Span));
        Assert.Equal(MqttQualityOfService.ExactlyOnce, decoded.QualityOfService);
        Assert.Equal(7, decoded.PacketId);
        var p = decoded.Properties;
        Assert.Equal((byte)1, p.PayloadFormatIndicator);
        Assert.Equal(3600u, p.MessageExpiryInterval);
        Assert.Equal("application/json", p.ContentType);
        Assert.Equal("devices/d1/replies", p.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2, 3, 250 }, p.CorrelationData);
        Assert.Equal((ushort)3, p.TopicAlias);
        Assert.Equal(new uint[] { 1, 268_435_455 }, p.SubscriptionIdentifiers);
        Assert.Equal(RichMessageProperties.UserProperties, p.UserProperties);
    }

    [Fact]
    public void Codec_ConnAckIn311UsesReturnCodes()
    {
        var bytes = MqttPacketEncoder.ToArray(new MqttConnAckPacket { ReasonCode = MqttReasonCode.BadUserNameOrPassword }, MqttProtocolVersion.V311);
        Assert.Equal(RawHex("20 02 00 04"), bytes);
        bytes = MqttPacketEncoder.ToArray(new MqttConnAckPacket { ReasonCode = MqttReasonCode.NotAuthorized }, MqttProtocolVersion.V311);
        Assert.Equal(RawHex("20 02 00 05"), bytes);
    }

    [Fact]
    public void Codec_SubAckIn311WritesOnlyTheSingleFailureValue()
    {
        var bytes = MqttPacketEncoder.ToArray(new MqttSubAckPacket { PacketId = 1, ReasonCodes = [MqttReasonCode.GrantedQoS1, MqttReasonCode.NotAuthorized] }, MqttProtocolVersion.V311);
        Assert.Equal(RawHex("90 04 00 01 01 80"), bytes);
    }

    [Theory]
    [InlineData(0, "00")]
    [InlineData(127, "7F")]
    [InlineData(128, "8001")]
    [InlineData(16_383, "FF7F")]
    [InlineData(16_384, "808001")]
    [InlineData(2_097_151, "FFFF7F")]
    [InlineData(2_097_152, "80808001")]
    [InlineData(268_435_455, "FFFFFF7F")]
    public void VariableByteInteger_EncodesAndDecodesBoundaries(int value, string hex)
    {
        var buffer = new byte[4];
        var length = MqttVariableByteInteger.Write(buffer, value);
        Assert.Equal(Convert.FromHexString(hex), buffer[..length]);
        Assert.Equal(length, MqttVariableByteInteger.GetSize(value));

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Convert.FromHexString(hex)));
        Assert.True(MqttVariableByteInteger.TryRead(ref reader, out var decoded));
        Assert.Equal(value, decoded);
        Assert.True(reader.End);
    }

    [Fact]
    public void VariableByteInteger_RejectsFifthByte()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(RawHex("FF FF FF FF 01")));
        try
        {
            MqttVariableByteInteger.TryRead(ref reader, out _);
            Assert.Fail("A fifth byte was accepted.");
        }
        catch (MqttProtocolException ex)
        {
            Assert.Equal(MqttReasonCode.MalformedPacket, ex.ReasonCode);
        }
    }

    [Fact]
    public void VariableByteInteger_RejectsValuesOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MqttVariableByteInteger.GetSize(268_435_456));
    }

    [Fact]
    public void VariableByteInteger_PublishWithLargestRemainingLengthDecodes()
    {
        var payload = new byte[2_097_152];
        var packet = new MqttPublishPacket { Topic = "t", Payload = payload };
        var bytes = MqttPacketEncoder.ToArray(packet, MqttProtocolVersion.V311);
        Assert.Equal(1 + 4 + 3 + payload.Length, bytes.Length);
        var decoded = Assert.IsType<MqttPublishPacket>(Decode(bytes, MqttProtocolVersion.V311));
        Assert.Equal(payload.Length, decoded.Payload.Length);
    }

    [Theory]
    [MemberData(nameof(Packets))]
    public void Decoder_NeedsMoreDataForEveryPartialPacket(string name, MqttPacket packet)
    {
        var bytes = MqttPacketEncoder.ToArray(packet, MqttProtocolVersion.V500);
        var decoder = new MqttPacketDecoder { ProtocolVersion = MqttProtocolVersion.V500 };
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            var before = buffer;
            Assert.False(decoder.TryDecode(ref buffer, out _), $"{name}: decoded from {length} of {bytes.Length} bytes");
            Assert.Equal(before.Length, buffer.Length);
        }
    }

    [Fact]
    public void Decoder_DecodesPacketsSplitAcrossSegmentsAndBackToBack()
    {
        var first = MqttPacketEncoder.ToArray(new MqttPublishPacket { Topic = "a/b", Payload = new byte[200], QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 9 }, MqttProtocolVersion.V311);
        var second = MqttPacketEncoder.ToArray(MqttPingReqPacket.Instance, MqttProtocolVersion.V311);
        var all = first.Concat(second).ToArray();
        var buffer = Segmented(all, 3);
        var decoder = new MqttPacketDecoder();
        Assert.True(decoder.TryDecode(ref buffer, out var p1));
        Assert.Equal(9, Assert.IsType<MqttPublishPacket>(p1).PacketId);
        Assert.True(decoder.TryDecode(ref buffer, out var p2));
        Assert.IsType<MqttPingReqPacket>(p2);
        Assert.True(buffer.IsEmpty);
        Assert.False(decoder.TryDecode(ref buffer, out _));
    }

    [Fact]
    public void Decoder_LearnsVersionFromConnect()
    {
        var decoder = new MqttPacketDecoder();
        var buffer = new ReadOnlySequence<byte>(MqttPacketEncoder.ToArray(new MqttConnectPacket { ProtocolVersion = MqttProtocolVersion.V500, ClientId = "x" }, MqttProtocolVersion.V500));
        Assert.True(decoder.TryDecode(ref buffer, out _));
        Assert.Equal(MqttProtocolVersion.V500, decoder.ProtocolVersion);
    }

    public static TheoryData<string, int, string, byte> MalformedPackets() => new()
    {
        // name, protocol level, bytes, expected reason code
        { "remaining length with a fifth byte", 4, "30 FF FF FF FF 01", 0x81 },
        { "remaining length shorter than the fields", 4, "40 01 00", 0x81 },
        { "bytes beyond the fields (3.1.1 PUBACK)", 4, "40 03 00 01 00", 0x81 },
        { "reserved packet type 0", 4, "00 00", 0x81 },
        { "AUTH in 3.1.1", 4, "F0 00", 0x81 },
        { "SUBSCRIBE flags 0000", 4, "80 06 00 01 00 01 61 00", 0x81 },
        { "UNSUBSCRIBE flags 0000", 4, "A0 05 00 01 00 01 61", 0x81 },
        { "PUBREL flags 0000", 4, "60 02 00 01", 0x81 },
        { "PINGREQ flags set", 4, "C1 00", 0x81 },
        { "PINGREQ with a body", 4, "C0 01 00", 0x81 },
        { "PUBLISH QoS 3", 4, "36 05 00 01 61 00 01", 0x81 },
        { "PUBLISH QoS 0 with DUP", 4, "38 03 00 01 61", 0x81 },
        { "invalid UTF-8 in topic", 4, "30 04 00 02 C3 28", 0x81 },
        { "overlong UTF-8 in topic", 4, "30 04 00 02 C0 80", 0x81 },
        { "encoded surrogate in topic", 4, "30 05 00 03 ED A0 80", 0x81 },
        { "U+0000 in topic", 4, "30 04 00 02 61 00", 0x81 },
        { "string longer than the packet", 4, "30 04 00 09 61 62", 0x81 },
        { "'#' in PUBLISH topic", 4, "30 05 00 03 61 2F 23", 0x90 },
        { "'+' in PUBLISH topic", 5, "30 06 00 03 61 2F 2B 00", 0x90 },
        { "empty topic in 3.1.1", 4, "30 02 00 00", 0x90 },
        { "PUBLISH QoS 1 packet id 0", 4, "32 05 00 01 61 00 00", 0x82 },
        { "PUBACK packet id 0", 4, "40 02 00 00", 0x82 },
        { "SUBSCRIBE packet id 0", 4, "82 06 00 00 00 01 61 00", 0x82 },
        { "SUBSCRIBE without filters", 4, "82 02 00 01", 0x82 },
        { "UNSUBSCRIBE without filters", 4, "A2 02 00 01", 0x82 },
        { "SUBSCRIBE reserved option bits (3.1.1)", 4, "82 06 00 01 00 01 61 04", 0x81 },
        { "SUBSCRIBE QoS 3", 4, "82 06 00 01 00 01 61 03", 0x81 },
        { "SUBSCRIBE reserved option bits (5.0)", 5, "82 07 00 01 00 00 01 61 C0", 0x81 },
        { "SUBSCRIBE retain handling 3", 5, "82 07 00 01 00 00 01 61 30", 0x82 },
        { "duplicate property", 5, "30 0C 00 01 61 08 03 00 01 78 03 00 01 79", 0x82 },
        { "unknown property", 5, "30 07 00 01 61 02 04 00 00", 0x81 },
        { "property block longer than the packet", 5, "30 05 00 01 61 09 01", 0x81 },
        { "payload format indicator 2", 5, "30 06 00 01 61 02 01 02", 0x82 },
        { "3.1.1 DISCONNECT with a body", 4, "E0 01 00", 0x81 },
        { "CONNECT reserved flag", 4, "10 0C 00 04 4D 51 54 54 04 03 00 3C 00 00", 0x81 },
        { "CONNECT will QoS without will", 4, "10 0C 00 04 4D 51 54 54 04 0A 00 3C 00 00", 0x81 },
        { "CONNECT unknown protocol level", 4, "10 0C 00 04 4D 51 54 54 06 02 00 3C 00 00", 0x84 },
        { "CONNECT wrong protocol name", 4, "10 0C 00 04 4D 51 54 58 04 02 00 3C 00 00", 0x84 },
        { "CONNECT 3.1.1 password without user name", 4, "10 10 00 04 4D 51 54 54 04 42 00 3C 00 00 00 02 70 77", 0x81 },
        { "CONNECT 5.0 receive maximum 0", 5, "10 10 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 00", 0x82 },
    };

    [Theory]
    [MemberData(nameof(MalformedPackets))]
    public void Decoder_RejectsMalformedPacketWithReasonCode(string name, int level, string hex, byte reasonCode)
    {
        var decoder = new MqttPacketDecoder { ProtocolVersion = (MqttProtocolVersion)level };
        var buffer = new ReadOnlySequence<byte>(RawHex(hex));
        var ex = Assert.Throws<MqttProtocolException>(() => decoder.TryDecode(ref buffer, out _));
        Assert.True((byte)ex.ReasonCode == reasonCode, $"{name}: expected 0x{reasonCode:X2}, got 0x{(byte)ex.ReasonCode:X2} ({ex.Message})");
    }

    [Fact]
    public void Decoder_RejectsPacketOverMaximumSizeBeforeItArrives()
    {
        var decoder = new MqttPacketDecoder(maximumPacketSize: 100);
        // Only the header of a 1000-byte PUBLISH: refused without waiting for the body.
        var buffer = new ReadOnlySequence<byte>(RawHex("30 E8 07"));
        var ex = Assert.Throws<MqttProtocolException>(() => decoder.TryDecode(ref buffer, out _));
        Assert.Equal(MqttReasonCode.PacketTooLarge, ex.ReasonCode);

        var fits = new ReadOnlySequence<byte>(MqttPacketEncoder.ToArray(new MqttPublishPacket { Topic = "t", Payload = new byte[90] }, MqttProtocolVersion.V311));
        Assert.True(decoder.TryDecode(ref fits, out _));
    }

    [Fact]
    public void Decoder_MarksConnectErrorsWithTheirVersion()
    {
        var decoder = new MqttPacketDecoder();
        var buffer = new ReadOnlySequence<byte>(RawHex("10 10 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 00"));
        var ex = Assert.Throws<MqttProtocolException>(() => decoder.TryDecode(ref buffer, out _));
        Assert.True(ex.InConnect);
        Assert.Equal(MqttProtocolVersion.V500, ex.ConnectVersion);
    }

    private static void AssertRoundTrip(string name, MqttPacket packet, MqttProtocolVersion version)
    {
        var bytes = MqttPacketEncoder.ToArray(packet, version);
        var decoded = Decode(bytes, version);
        Assert.Equal(packet.GetType(), decoded.GetType());
        // Re-encoding what was decoded must give the same bytes: every field written was read back.
        var again = MqttPacketEncoder.ToArray(decoded, version);
        Assert.True(bytes.AsSpan().SequenceEqual(again), $"{name} ({version}) changed in a round trip: {Convert.ToHexString(bytes)} vs {Convert.ToHexString(again)}");
        if (version == MqttProtocolVersion.V500 && packet is not MqttConnectPacket)
        {
            Assert.Equal(DescribeProperties(packet), DescribeProperties(decoded));
        }
    }

    private static string DescribeProperties(MqttPacket packet)
    {
        var properties = packet switch
        {
            MqttConnAckPacket p => p.Properties,
            MqttPublishPacket p => p.Properties,
            MqttPublishResponsePacket p => p.Properties,
            MqttSubscribePacket p => p.Properties,
            MqttSubAckPacket p => p.Properties,
            MqttDisconnectPacket p => p.Properties,
            MqttAuthPacket p => p.Properties,
            _ => MqttProperties.Empty,
        };
        return System.Text.Json.JsonSerializer.Serialize(properties);
    }

    internal static MqttPacket Decode(byte[] bytes, MqttProtocolVersion version)
    {
        var decoder = new MqttPacketDecoder { ProtocolVersion = version };
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(decoder.TryDecode(ref buffer, out var packet));
        Assert.True(buffer.IsEmpty);
        return packet;
    }

    private static byte[] RawHex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += segmentSize)
        {
            var chunk = bytes.AsMemory(offset, Math.Min(segmentSize, bytes.Length - offset));
            var segment = new Segment(chunk, last?.RunningIndex + last?.Memory.Length ?? 0);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Next = segment;
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public new ReadOnlySequenceSegment<byte>? Next
        {
            get => base.Next;
            set => base.Next = value;
        }
    }
}
