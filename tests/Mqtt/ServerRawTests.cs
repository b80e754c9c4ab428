using System.IO.Pipelines;
using System.Text;
using CommandGrid.Mqtt.Codec;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

/// <summary>The engine over a real TCP socket, driven with exact bytes.</summary>
public sealed class ServerRawTests : IAsyncLifetime
{
    private MqttTestHost _host = null!;

    public async Task InitializeAsync() => _host = await MqttTestHost.StartAsync(o => o.MaxPacketSize = 4096);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfService qos) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QualityOfService = qos };

    [Fact]
    public async Task Connection_PublishBeforeConnectCloses()
    {
        await using var client = await RawMqttClient.OpenAsync(_host.MqttPort);
        await client.SendAsync(RawMqttClient.Hex("30 05 00 01 61 68 69"));
        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task Connection_PingBeforeConnectCloses()
    {
        await using var client = await RawMqttClient.OpenAsync(_host.MqttPort);
        await client.SendAsync(RawMqttClient.Hex("C0 00"));
        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    public static TheoryData<string, string, MqttReasonCode> ViolationsAfterConnect() => new()
    {
        { "remaining length with a fifth byte", "30 FF FF FF FF 01", MqttReasonCode.MalformedPacket },
        { "SUBSCRIBE with flags 0000", "80 06 00 01 00 01 61 00", MqttReasonCode.MalformedPacket },
        { "PUBLISH QoS 3", "36 05 00 01 61 00 01", MqttReasonCode.MalformedPacket },
        { "invalid UTF-8 topic", "30 04 00 02 C3 28", MqttReasonCode.MalformedPacket },
        { "U+0000 in topic", "30 04 00 02 61 00", MqttReasonCode.MalformedPacket },
        { "wildcard in PUBLISH topic", "30 05 00 03 61 2F 23", MqttReasonCode.TopicNameInvalid },
        { "remaining length shorter than the fields", "40 01 00", MqttReasonCode.MalformedPacket },
        { "packet id 0", "40 02 00 00", MqttReasonCode.ProtocolError },
        { "SUBSCRIBE without filters", "82 03 00 01 00", MqttReasonCode.ProtocolError },
        { "oversize packet", "30 A0 3F", MqttReasonCode.PacketTooLarge },
        { "second CONNECT", "10 0D 00 04 4D 51 54 54 05 02 00 3C 00 00 00", MqttReasonCode.ProtocolError },
        { "AUTH without a method", "F0 00", MqttReasonCode.ProtocolError },
        { "topic alias above the maximum", "30 08 00 00 03 23 00 64 68 69", MqttReasonCode.TopicAliasInvalid },
        { "unknown topic alias", "30 08 00 00 03 23 00 05 68 69", MqttReasonCode.ProtocolError },
    };

    [Theory]
    [MemberData(nameof(ViolationsAfterConnect))]
    public async Task Connection_ViolationSendsDisconnectWithReasonAndSparesOtherSessions(string name, string hex, MqttReasonCode expected)
    {
        var bystanderId = TestTimeouts.NewClientId("ok");
        await using var bystander = await RawMqttClient.ConnectAsync(_host.MqttPort, bystanderId, MqttProtocolVersion.V311);
        await using var offender = await RawMqttClient.ConnectAsync(_host.MqttPort, TestTimeouts.NewClientId("bad"));

        await offender.SendAsync(RawMqttClient.Hex(hex));
        var packets = await offender.ReadUntilClosedAsync();

        var disconnect = Assert.IsType<MqttDisconnectPacket>(Assert.Single(packets));
        Assert.True(expected == disconnect.ReasonCode, $"{name}: expected {expected}, got {disconnect.ReasonCode}");
        await bystander.PingAsync();
        Assert.Equal(MqttSubscriptionGranted(), (await bystander.SubscribeAsync(1, TestMqttApplication.AllowedPrefix(bystanderId) + "#")).ReasonCodes);
    }

    private static IReadOnlyList<MqttReasonCode> MqttSubscriptionGranted() => [MqttReasonCode.GrantedQoS1];

    [Theory]
    [InlineData("30 FF FF FF FF 01")]
    [InlineData("80 06 00 01 00 01 61 00")]
    [InlineData("30 05 00 03 61 2F 2B")]
    public async Task Connection_ViolationIn311ClosesWithoutAnswer(string hex)
    {
        await using var bystander = await RawMqttClient.ConnectAsync(_host.MqttPort, TestTimeouts.NewClientId("ok"));
        await using var offender = await RawMqttClient.ConnectAsync(_host.MqttPort, TestTimeouts.NewClientId("bad"), MqttProtocolVersion.V311);
        await offender.SendAsync(RawMqttClient.Hex(hex));
        Assert.Empty(await offender.ReadUntilClosedAsync());
        await bystander.PingAsync();
    }

    [Fact]
    public async Task Connect_MalformedConnectIn50GetsConnAckWithReason()
    {
        await using var client = await RawMqttClient.OpenAsync(_host.MqttPort);
        // Receive Maximum 0 is a protocol error.
        await client.SendAsync(RawMqttClient.Hex("10 10 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 00"));
        var connAck = Assert.IsType<MqttConnAckPacket>(Assert.Single(await client.ReadUntilClosedAsync()));
        Assert.Equal(MqttReasonCode.ProtocolError, connAck.ReasonCode);
    }

    [Fact]
    public async Task Connect_UnknownProtocolLevelGetsReturnCode1()
    {
        await using var client = await RawMqttClient.OpenAsync(_host.MqttPort, MqttProtocolVersion.V311);
        await client.SendAsync(RawMqttClient.Hex("10 0C 00 04 4D 51 54 54 06 02 00 3C 00 00"));
        var connAck = Assert.IsType<MqttConnAckPacket>(Assert.Single(await client.ReadUntilClosedAsync()));
        Assert.Equal(MqttReasonCode.UnsupportedProtocolVersion, connAck.ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttReasonCode.BadUserNameOrPassword)]
    [InlineData(MqttProtocolVersion.V500, MqttReasonCode.BadUserNameOrPassword)]
    public async Task Connect_WrongPasswordRefused(MqttProtocolVersion version, MqttReasonCode expected)
    {
        await using var client = await RawMqttClient.OpenAsync(_host.MqttPort, version);
        var connAck = await client.ConnectRawAsync(TestTimeouts.NewClientId(), password: "wrong");
        Assert.Equal(expected, connAck.ReasonCode);
        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task Connect_EmptyClientIdIn50IsAssigned()
    {
        await using var client = await RawMqttClient.OpenAsync(_host.MqttPort);
        await client.SendAsync(new MqttConnectPacket { ProtocolVersion = MqttProtocolVersion.V500, ClientId = "" });
        var connAck = await client.ReceiveAsync<MqttConnAckPacket>();
        // The test application wants user name = client id, which no client can know in advance.
        Assert.Equal(MqttReasonCode.BadUserNameOrPassword, connAck.ReasonCode);
        var request = Assert.Single(_host.Application.ConnectRequests, r => r.ClientIdAssigned);
        Assert.StartsWith("auto-", request.ClientId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_EmptyClientIdWithPersistentSessionIn311IsRejected()
    {
        await using var client = await RawMqttClient.OpenAsync(_host.MqttPort, MqttProtocolVersion.V311);
        await client.SendAsync(new MqttConnectPacket { ClientId = "", CleanStart = false });
        var connAck = await client.ReceiveAsync<MqttConnAckPacket>();
        Assert.Equal(MqttReasonCode.ClientIdentifierNotValid, connAck.ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttReasonCode.UnspecifiedError)]
    [InlineData(MqttProtocolVersion.V500, MqttReasonCode.NotAuthorized)]
    public async Task Subscribe_UnauthorizedFilterRefusedPerFilterAndConnectionStaysUp(MqttProtocolVersion version, MqttReasonCode refused)
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, version);
        await client.SendAsync(new MqttSubscribePacket
        {
            PacketId = 5,
            Subscriptions =
            [
                new MqttSubscription("devices/someone-else/#", MqttQualityOfService.AtLeastOnce),
                new MqttSubscription(TestMqttApplication.AllowedPrefix(clientId) + "+/cmd", MqttQualityOfService.ExactlyOnce),
                new MqttSubscription("a/#/b", MqttQualityOfService.AtMostOnce),
            ],
        });
        var subAck = await client.ReceiveAsync<MqttSubAckPacket>();
        Assert.Equal(5, subAck.PacketId);
        var invalid = version == MqttProtocolVersion.V500 ? MqttReasonCode.TopicFilterInvalid : MqttReasonCode.UnspecifiedError;
        Assert.Equal([refused, MqttReasonCode.GrantedQoS2, invalid], subAck.ReasonCodes);
        await client.PingAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttReasonCode.Success)]
    [InlineData(MqttProtocolVersion.V500, MqttReasonCode.NotAuthorized)]
    public async Task Publish_UnauthorizedIsAcknowledgedButNotDelivered(MqttProtocolVersion version, MqttReasonCode expected)
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, version);
        await client.SendAsync(new MqttPublishPacket { Topic = "devices/other/x", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 3, Payload = new byte[] { 1 } });
        var ack = await client.ReceiveAsync<MqttPubAckPacket>();
        Assert.Equal(expected, ack.ReasonCode);
        await client.SendAsync(new MqttPublishPacket { Topic = "devices/other/y", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 4 });
        Assert.Equal(expected, (await client.ReceiveAsync<MqttPubRecPacket>()).ReasonCode);
        await client.PingAsync();
        Assert.Empty(_host.Application.MessagesFrom(clientId));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Publish_Qos2InboundIsDeliveredExactlyOnce(MqttProtocolVersion version)
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, version);
        var publish = new MqttPublishPacket { Topic = TestMqttApplication.AllowedPrefix(clientId) + "r", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 7, Payload = "once"u8.ToArray() };
        await client.SendAsync(publish);
        Assert.Equal(7, (await client.ReceiveAsync<MqttPubRecPacket>()).PacketId);
        await client.SendAsync(publish with { Dup = true });
        Assert.Equal(7, (await client.ReceiveAsync<MqttPubRecPacket>()).PacketId);
        await client.SendAsync(new MqttPubRelPacket { PacketId = 7 });
        Assert.Equal(MqttReasonCode.Success, (await client.ReceiveAsync<MqttPubCompPacket>()).ReasonCode);
        // After PUBREL the id is free again: the same id is a new message.
        await client.SendAsync(publish with { Payload = "twice"u8.ToArray() });
        await client.ReceiveAsync<MqttPubRecPacket>();
        await _host.Application.WaitForMessagesAsync(clientId, 2);
        Assert.Equal(["once", "twice"], _host.Application.MessagesFrom(clientId).Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
    }

    [Fact]
    public async Task Publish_TopicAliasIsResolvedAndPropertiesReachTheHook()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId);
        var topic = TestMqttApplication.AllowedPrefix(clientId) + "resp";
        await client.SendAsync(new MqttPublishPacket
        {
            Topic = topic,
            QualityOfService = MqttQualityOfService.AtLeastOnce,
            PacketId = 1,
            Properties = new MqttProperties
            {
                TopicAlias = 2,
                ResponseTopic = "reply/here",
                CorrelationData = [4, 2],
                ContentType = "text/plain",
                UserProperties = [new("k", "v")],
            },
        });
        await client.ReceiveAsync<MqttPubAckPacket>();
        await client.SendAsync(new MqttPublishPacket { Topic = "", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 2, Properties = new MqttProperties { TopicAlias = 2 } });
        await client.ReceiveAsync<MqttPubAckPacket>();
        await _host.Application.WaitForMessagesAsync(clientId, 2);
        var messages = _host.Application.MessagesFrom(clientId);
        Assert.All(messages, m => Assert.Equal(topic, m.Topic));
        Assert.Equal("reply/here", messages[0].ResponseTopic);
        Assert.Equal(new byte[] { 4, 2 }, messages[0].CorrelationData);
        Assert.Equal("text/plain", messages[0].ContentType);
        Assert.Equal([new MqttUserProperty("k", "v")], messages[0].UserProperties);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task ServerPublish_FollowsQos1AndQos2FlowsAndReportsAcknowledgement(MqttProtocolVersion version)
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, version);
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await client.SubscribeAsync(1, prefix + "#", MqttQualityOfService.ExactlyOnce);

        var q1 = await _host.Server.PublishAsync(clientId, Message(prefix + "a", "one", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.Delivered, q1.Status);
        var p1 = await client.ReceiveAsync<MqttPublishPacket>();
        Assert.Equal(MqttQualityOfService.AtLeastOnce, p1.QualityOfService);
        Assert.False(q1.Acknowledged.IsCompleted);
        await client.SendAsync(new MqttPubAckPacket { PacketId = p1.PacketId });
        Assert.True(await q1.Acknowledged.WaitAsync(TestTimeouts.Default));

        var q2 = await _host.Server.PublishAsync(clientId, Message(prefix + "b", "two", MqttQualityOfService.ExactlyOnce));
        var p2 = await client.ReceiveAsync<MqttPublishPacket>();
        Assert.Equal(MqttQualityOfService.ExactlyOnce, p2.QualityOfService);
        await client.SendAsync(new MqttPubRecPacket { PacketId = p2.PacketId });
        Assert.Equal(p2.PacketId, (await client.ReceiveAsync<MqttPubRelPacket>()).PacketId);
        Assert.False(q2.Acknowledged.IsCompleted);
        await client.SendAsync(new MqttPubCompPacket { PacketId = p2.PacketId });
        Assert.True(await q2.Acknowledged.WaitAsync(TestTimeouts.Default));
    }

    [Fact]
    public async Task ServerPublish_ReachesTheClientThroughThePublisherHandedToTheApplication()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, MqttProtocolVersion.V500);
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await client.SubscribeAsync(1, prefix + "#", MqttQualityOfService.AtLeastOnce);

        Assert.Same(_host.Server, _host.Application.Publisher);
        var delivery = await _host.Application.Publisher!.PublishAsync(clientId, Message(prefix + "hello", "hi", MqttQualityOfService.AtMostOnce));

        Assert.Equal(MqttDeliveryStatus.Delivered, delivery.Status);
        Assert.Equal(prefix + "hello", (await client.ReceiveAsync<MqttPublishPacket>()).Topic);
    }

    [Fact]
    public async Task ServerPublish_QosIsTheLowerOfMessageAndGrant()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId);
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await client.SubscribeAsync(1, prefix + "+", MqttQualityOfService.AtLeastOnce);
        await _host.Server.PublishAsync(clientId, Message(prefix + "x", "hi", MqttQualityOfService.ExactlyOnce));
        Assert.Equal(MqttQualityOfService.AtLeastOnce, (await client.ReceiveAsync<MqttPublishPacket>()).QualityOfService);
        var zero = await _host.Server.PublishAsync(clientId, Message(prefix + "y", "hi", MqttQualityOfService.AtMostOnce));
        Assert.Equal(MqttDeliveryStatus.Delivered, zero.Status);
        Assert.Equal(MqttQualityOfService.AtMostOnce, (await client.ReceiveAsync<MqttPublishPacket>()).QualityOfService);
    }

    [Fact]
    public async Task ServerPublish_WithoutMatchingSubscriptionReportsSo()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId);
        await client.SubscribeAsync(1, TestMqttApplication.AllowedPrefix(clientId) + "cmd");
        var other = await _host.Server.PublishAsync(clientId, Message(TestMqttApplication.AllowedPrefix(clientId) + "other", "x", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.NoMatchingSubscription, other.Status);
        var unknown = await _host.Server.PublishAsync("nobody-" + clientId, Message("a", "x", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.NoMatchingSubscription, unknown.Status);
        Assert.False(await unknown.Acknowledged);
    }

    [Fact]
    public async Task ServerPublish_UnsubscribeStopsDelivery()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId);
        var filter = TestMqttApplication.AllowedPrefix(clientId) + "#";
        await client.SubscribeAsync(1, filter);
        await client.SendAsync(new MqttUnsubscribePacket { PacketId = 2, TopicFilters = [filter, "never/subscribed"] });
        var unsubAck = await client.ReceiveAsync<MqttUnsubAckPacket>();
        Assert.Equal([MqttReasonCode.Success, MqttReasonCode.NoSubscriptionExisted], unsubAck.ReasonCodes);
        var result = await _host.Server.PublishAsync(clientId, Message(TestMqttApplication.AllowedPrefix(clientId) + "a", "x", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.NoMatchingSubscription, result.Status);
    }

    [Fact]
    public async Task ServerPublish_RespectsClientReceiveMaximum()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, properties: new MqttProperties { ReceiveMaximum = 2 });
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await client.SubscribeAsync(1, prefix + "#");
        var results = new List<MqttDeliveryResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await _host.Server.PublishAsync(clientId, Message(prefix + "m", i.ToString(), MqttQualityOfService.AtLeastOnce)));
        }

        Assert.Equal(
            [MqttDeliveryStatus.Delivered, MqttDeliveryStatus.Delivered, MqttDeliveryStatus.Queued, MqttDeliveryStatus.Queued, MqttDeliveryStatus.Queued],
            results.Select(r => r.Status));
        var first = await client.ReceiveAsync<MqttPublishPacket>();
        var second = await client.ReceiveAsync<MqttPublishPacket>();
        // A third must not arrive while two are unacknowledged: a ping overtakes nothing.
        await client.PingAsync();
        await client.SendAsync(new MqttPubAckPacket { PacketId = first.PacketId });
        var third = await client.ReceiveAsync<MqttPublishPacket>();
        Assert.Equal("2", Encoding.UTF8.GetString(third.Payload.Span));
        await client.SendAsync(new MqttPubAckPacket { PacketId = second.PacketId });
        await client.SendAsync(new MqttPubAckPacket { PacketId = third.PacketId });
        var rest = new[] { await client.ReceiveAsync<MqttPublishPacket>(), await client.ReceiveAsync<MqttPublishPacket>() };
        Assert.Equal(["3", "4"], rest.Select(p => Encoding.UTF8.GetString(p.Payload.Span)));
        foreach (var p in rest)
        {
            await client.SendAsync(new MqttPubAckPacket { PacketId = p.PacketId });
        }

        Assert.All(await Task.WhenAll(results.Select(r => r.Acknowledged.WaitAsync(TestTimeouts.Default))), Assert.True);
    }

    [Fact]
    public async Task ServerPublish_NeverSendsMoreThanClientMaximumPacketSize()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, properties: new MqttProperties { MaximumPacketSize = 128 });
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await client.SubscribeAsync(1, prefix + "#");
        var big = await _host.Server.PublishAsync(clientId, Message(prefix + "big", new string('x', 500), MqttQualityOfService.AtLeastOnce));
        Assert.False(await big.Acknowledged.WaitAsync(TestTimeouts.Default));
        var small = await _host.Server.PublishAsync(clientId, Message(prefix + "small", "ok", MqttQualityOfService.AtLeastOnce));
        var received = await client.ReceiveAsync<MqttPublishPacket>();
        Assert.Equal(prefix + "small", received.Topic);
        await client.SendAsync(new MqttPubAckPacket { PacketId = received.PacketId });
        Assert.True(await small.Acknowledged.WaitAsync(TestTimeouts.Default));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Session_PersistentSessionResendsUnacknowledgedWithDupAndDeliversQueued(MqttProtocolVersion version)
    {
        var clientId = TestTimeouts.NewClientId();
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        var persistent = version == MqttProtocolVersion.V500 ? new MqttProperties { SessionExpiryInterval = 300 } : null;
        MqttDeliveryResult inflight;
        ushort firstId;
        await using (var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, version, cleanStart: false, properties: persistent))
        {
            await client.SubscribeAsync(1, prefix + "#", MqttQualityOfService.ExactlyOnce);
            inflight = await _host.Server.PublishAsync(clientId, Message(prefix + "a", "unacked", MqttQualityOfService.AtLeastOnce));
            firstId = (await client.ReceiveAsync<MqttPublishPacket>()).PacketId;
        }

        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.ConnectionLost);
        Assert.False(_host.Server.IsConnected(clientId));
        var queued = await _host.Server.PublishAsync(clientId, Message(prefix + "b", "queued", MqttQualityOfService.ExactlyOnce));
        Assert.Equal(MqttDeliveryStatus.Queued, queued.Status);
        var dropped = await _host.Server.PublishAsync(clientId, Message(prefix + "c", "qos0", MqttQualityOfService.AtMostOnce));
        Assert.Equal(MqttDeliveryStatus.Dropped, dropped.Status);

        await using var again = await RawMqttClient.OpenAsync(_host.MqttPort, version);
        var connAck = await again.ConnectRawAsync(clientId, cleanStart: false, properties: persistent);
        Assert.True(connAck.SessionPresent);
        var resent = await again.ReceiveAsync<MqttPublishPacket>();
        Assert.True(resent.Dup);
        Assert.Equal(firstId, resent.PacketId);
        Assert.Equal("unacked", Encoding.UTF8.GetString(resent.Payload.Span));
        var next = await again.ReceiveAsync<MqttPublishPacket>();
        Assert.False(next.Dup);
        Assert.Equal("queued", Encoding.UTF8.GetString(next.Payload.Span));
        await again.SendAsync(new MqttPubAckPacket { PacketId = resent.PacketId });
        Assert.True(await inflight.Acknowledged.WaitAsync(TestTimeouts.Default));
        await again.SendAsync(new MqttPubRecPacket { PacketId = next.PacketId });
        await again.ReceiveAsync<MqttPubRelPacket>();
        await again.SendAsync(new MqttPubCompPacket { PacketId = next.PacketId });
        Assert.True(await queued.Acknowledged.WaitAsync(TestTimeouts.Default));
    }

    [Fact]
    public async Task Session_CleanStartDiscardsStoredSession()
    {
        var clientId = TestTimeouts.NewClientId();
        var prefix = TestMqttApplication.AllowedPrefix(clientId);
        await using (var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, MqttProtocolVersion.V311, cleanStart: false))
        {
            await client.SubscribeAsync(1, prefix + "#");
        }

        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.ConnectionLost);
        var queued = await _host.Server.PublishAsync(clientId, Message(prefix + "a", "x", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.Queued, queued.Status);

        await using var again = await RawMqttClient.OpenAsync(_host.MqttPort, MqttProtocolVersion.V311);
        Assert.False((await again.ConnectRawAsync(clientId, cleanStart: true)).SessionPresent);
        Assert.False(await queued.Acknowledged.WaitAsync(TestTimeouts.Default));
        var after = await _host.Server.PublishAsync(clientId, Message(prefix + "a", "x", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.NoMatchingSubscription, after.Status);
    }

    [Fact]
    public async Task Session_ExpiresAfterItsInterval()
    {
        var clientId = TestTimeouts.NewClientId();
        await using (var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, cleanStart: false, properties: new MqttProperties { SessionExpiryInterval = 1 }))
        {
            await client.SubscribeAsync(1, TestMqttApplication.AllowedPrefix(clientId) + "#");
            await client.SendAsync(new MqttDisconnectPacket());
            await client.ReadUntilClosedAsync();
        }

        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.ClientDisconnected);
        Assert.True(_host.Application.Ended.Single(e => e.Session.ClientId == clientId).Session.SessionRetained);
        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.SessionExpired);
        Assert.False(_host.Server.HasSession(clientId));
    }

    [Fact]
    public async Task Session_DisconnectCanShortenExpiry()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, cleanStart: false, properties: new MqttProperties { SessionExpiryInterval = 600 });
        await client.SendAsync(new MqttDisconnectPacket { Properties = new MqttProperties { SessionExpiryInterval = 0 } });
        await client.ReadUntilClosedAsync();
        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.ClientDisconnected);
        Assert.False(_host.Server.HasSession(clientId));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Session_DisconnectReceivedBeforeTheTransportClosedEndsItCleanly(MqttProtocolVersion version)
    {
        // What a client that sends DISCONNECT and closes at once leaves behind, with the transport's close reported
        // before the engine reads a byte: the worst order the race between the two can take. Over a socket that order
        // is the kernel's and Kestrel's to pick, so this one transport is an in-memory pipe.
        var clientId = TestTimeouts.NewClientId();
        var received = new Pipe();
        await received.Writer.WriteAsync(MqttPacketEncoder.ToArray(new MqttConnectPacket
        {
            ProtocolVersion = version,
            ClientId = clientId,
            UserName = clientId,
            Password = Encoding.UTF8.GetBytes(TestMqttApplication.Password),
        }, version));
        await received.Writer.WriteAsync(MqttPacketEncoder.ToArray(new MqttDisconnectPacket(), version));
        await received.Writer.CompleteAsync();
        var sent = new Pipe();
        using var closed = new CancellationTokenSource();
        await closed.CancelAsync();

        await _host.Server.HandleConnectionAsync(new TransportPipe(received.Reader, sent.Writer), "test", closed.Token);

        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.ClientDisconnected);
        var connAck = await sent.Reader.ReadAsync();
        Assert.True(connAck.IsCompleted);
        Assert.NotEqual(0, connAck.Buffer.Length);
    }

    private sealed record TransportPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Session_TakeoverClosesTheOlderConnection(MqttProtocolVersion version)
    {
        var clientId = TestTimeouts.NewClientId();
        await using var first = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, version);
        await first.SubscribeAsync(1, TestMqttApplication.AllowedPrefix(clientId) + "#");
        await using var second = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, version);
        var packets = await first.ReadUntilClosedAsync();
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttReasonCode.SessionTakenOver, Assert.IsType<MqttDisconnectPacket>(Assert.Single(packets)).ReasonCode);
        }
        else
        {
            Assert.Empty(packets);
        }

        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.TakenOver);
        await second.PingAsync();
        Assert.True(_host.Server.IsConnected(clientId));
    }

    [Fact]
    public async Task Server_DisconnectClientSendsReason()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId);
        Assert.True(_host.Server.DisconnectClient(clientId));
        var disconnect = Assert.IsType<MqttDisconnectPacket>(Assert.Single(await client.ReadUntilClosedAsync()));
        Assert.Equal(MqttReasonCode.AdministrativeAction, disconnect.ReasonCode);
    }
}
