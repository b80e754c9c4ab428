using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using CommandGrid.Mqtt.Codec;
using CommandGrid.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// One transport connection speaking MQTT: a read loop that decodes and handles packets in order, and
/// a write loop that drains a bounded packet queue to the transport. Transport-agnostic: TCP and
/// WebSocket both arrive as an <see cref="IDuplexPipe"/>.
/// </summary>
internal sealed class MqttConnection
{
    private readonly MqttServer _server;
    private readonly IMqttApplication _application;
    private readonly MqttServerOptions _options;
    private readonly MqttRefusals _refusals;
    private readonly IMqttServerEvents? _events;
    // The protocol version the host was told this connection opened with, once CONNECT was accepted.
    private MqttProtocolVersion? _openedVersion;
    private readonly IDuplexPipe _transport;
    private readonly ILogger _logger;
    private readonly MqttPacketDecoder _decoder;
    private readonly Channel<MqttPacket> _outbound;
    // Ends the read loop: an abort, the keep-alive's expiry or the transport's close cancels it. One source (never
    // disposed: it owns no timer) and one timer per connection, where a linked source of three cost every idle
    // connection four more sources and their registrations.
    private readonly CancellationTokenSource _readCts = new();
    private readonly ITimer _keepAlive;
    private readonly CancellationTokenSource _writerCts = new();
    private readonly Lock _abortLock = new();
    private MqttSessionEndReason? _abortReason;
    private MqttReasonCode _abortCode;
    private volatile bool _dropQueued;
    private volatile MqttPacket? _finalPacket;
    private volatile bool _connected;
    private TimeSpan _keepAliveWindow;
    private volatile bool _keepAliveExpired;
    private Dictionary<ushort, string>? _topicAliases;

    public MqttConnection(MqttServer server, IMqttApplication application, MqttServerOptions options, MqttRefusals refusals, IMqttServerEvents? events, IDuplexPipe transport, string? remoteEndPoint, long id, TimeProvider timeProvider, ILogger logger)
    {
        _keepAlive = timeProvider.CreateTimer(static c => ((MqttConnection)c!).OnKeepAliveExpired(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _refusals = refusals;
        _events = events;
        _server = server;
        _application = application;
        _options = options;
        _transport = transport;
        _logger = logger;
        RemoteEndPoint = remoteEndPoint;
        Id = id;
        _decoder = new MqttPacketDecoder(options.MaxPacketSize);
        _keepAliveWindow = TimeSpan.FromSeconds(options.ConnectTimeoutSeconds);
        // Bounded so that a client that stops reading cannot grow the server's memory; see TryEnqueue.
        _outbound = Channel.CreateBounded<MqttPacket>(new BoundedChannelOptions(options.OutboundQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public long Id { get; }
    public string? RemoteEndPoint { get; }
    public X509Certificate2? ClientCertificate { get; init; }
    public MqttProtocolVersion ProtocolVersion => _decoder.ProtocolVersion;
    public MqttSession? Session { get; set; }
    public MqttSessionInfo? Info { get; private set; }

    /// <summary>How many outbound QoS 1/2 messages may await acknowledgement: the client's Receive Maximum, capped by the server.</summary>
    public int MaxInflight { get; private set; } = 1;

    private uint ClientMaximumPacketSize { get; set; } = uint.MaxValue;
    private bool Is5 => ProtocolVersion == MqttProtocolVersion.V500;

    /// <summary>Queues a packet without waiting; false when the queue is full or the connection is closing.</summary>
    public bool TryEnqueue(MqttPacket packet) => _outbound.Writer.TryWrite(packet);

    /// <summary>
    /// Ends the connection from outside the read loop (takeover, overflow, shutdown, administrative).
    /// A 5.0 client gets a DISCONNECT with <paramref name="code"/> first. Safe to call under a session lock.
    /// </summary>
    public void Abort(MqttSessionEndReason reason, MqttReasonCode code)
    {
        lock (_abortLock)
        {
            if (_abortReason is not null)
            {
                return;
            }

            _abortReason = reason;
            _abortCode = code;
        }

        MqttLog.Aborting(_logger, Info?.ClientId, reason, code);
        // Callbacks run elsewhere: the caller may hold a session lock that the read loop needs.
        _ = _readCts.CancelAsync();
    }

    public async Task RunAsync(CancellationToken transportClosed)
    {
        var writer = RunWriterAsync();
        // A closed transport ends the pending read, not the packets it already holds: a client that sends DISCONNECT
        // and closes at once (mosquitto_pub does) must end ClientDisconnected, without its will, however the two race.
        // The read loop handles what is buffered and then sees the canceled read as a lost connection.
        var onTransportClosed = transportClosed.UnsafeRegister(static input => ((PipeReader)input!).CancelPendingRead(), _transport.Input);
        ResetKeepAlive();
        MqttSessionEndReason reason;
        try
        {
            reason = await ReadLoopAsync(_readCts.Token);
        }
        catch (OperationCanceledException)
        {
            reason = MqttSessionEndReason.ConnectionLost;
        }
        catch (ChannelClosedException)
        {
            reason = MqttSessionEndReason.ConnectionLost;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            MqttLog.TransportFailed(_logger, ex, Id);
            reason = MqttSessionEndReason.ConnectionLost;
        }
        finally
        {
            // Waits for a callback under way, so that nothing touches the input once it is completed below.
            onTransportClosed.Dispose();
        }

        if (_abortReason is null && _keepAliveExpired)
        {
            Abort(MqttSessionEndReason.KeepAliveTimeout, MqttReasonCode.KeepAliveTimeout);
        }

        if (_abortReason is { } aborted)
        {
            reason = aborted;
            if (_connected && Is5)
            {
                _finalPacket ??= new MqttDisconnectPacket { ReasonCode = _abortCode };
            }

            _dropQueued = true;
        }

        _outbound.Writer.TryComplete();
        _writerCts.CancelAfter(_options.CloseFlushTimeoutMilliseconds);
        await writer;
        // Their timers (a keep-alive window of up to 1.5x an hour, the flush deadline) would otherwise keep them, and
        // what they reference, alive long after the connection: under a reconnect storm, thousands a second.
        await _keepAlive.DisposeAsync();
        _writerCts.Dispose();
        await _transport.Output.CompleteAsync();
        await _transport.Input.CompleteAsync();
        if (_openedVersion is { } version)
        {
            _events?.ConnectionClosed(version);
        }
        await _server.OnConnectionClosedAsync(this, reason);
    }

    private async Task<MqttSessionEndReason> ReadLoopAsync(CancellationToken cancellationToken)
    {
        var input = _transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            try
            {
                while (true)
                {
                    MqttPacket? packet;
                    MqttSessionEndReason? end;
                    try
                    {
                        if (!_decoder.TryDecode(ref buffer, out packet))
                        {
                            break;
                        }

                        consumed = buffer.Start;
                        ResetKeepAlive();
                        end = await HandlePacketAsync(packet, cancellationToken);
                    }
                    catch (MqttProtocolException ex)
                    {
                        return OnProtocolViolation(ex);
                    }

                    if (end is { } reason)
                    {
                        return reason;
                    }

                    // A slow application hook must not count against the client's keep-alive.
                    ResetKeepAlive();
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    return MqttSessionEndReason.ConnectionLost;
                }
            }
            finally
            {
                input.AdvanceTo(consumed, buffer.End);
            }
        }
    }

    private void ResetKeepAlive()
    {
        if (_keepAliveWindow != Timeout.InfiniteTimeSpan && !_keepAliveExpired)
        {
            _keepAlive.Change(_keepAliveWindow, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnKeepAliveExpired()
    {
        _keepAliveExpired = true;
        _readCts.Cancel();
    }

    private MqttSessionEndReason OnProtocolViolation(MqttProtocolException ex)
    {
        MqttLog.ProtocolViolation(_logger, Id, RemoteEndPoint, Info?.ClientId, ex.ReasonCode, ex.Message);
        if (_connected)
        {
            // 3.1.1 has no way to say why; the connection just closes.
            if (Is5)
            {
                _finalPacket = new MqttDisconnectPacket { ReasonCode = ex.ReasonCode };
            }
        }
        else if (ex.InConnect)
        {
            if (ex.ReasonCode == MqttReasonCode.UnsupportedProtocolVersion && ex.ConnectVersion is null)
            {
                // The level is unknown, so answer in 3.1.1 form (return code 1), which every client reads.
                _decoder.ProtocolVersion = MqttProtocolVersion.V311;
                _finalPacket = new MqttConnAckPacket { ReasonCode = MqttReasonCode.UnsupportedProtocolVersion };
            }
            else if (ex.ConnectVersion == MqttProtocolVersion.V500)
            {
                _finalPacket = new MqttConnAckPacket { ReasonCode = ex.ReasonCode };
            }
        }

        _dropQueued = true;
        return MqttSessionEndReason.ProtocolError;
    }

    private async ValueTask<MqttSessionEndReason?> HandlePacketAsync(MqttPacket packet, CancellationToken ct)
    {
        if (!_connected)
        {
            if (packet is MqttConnectPacket connect)
            {
                return await HandleConnectAsync(connect, ct);
            }

            MqttLog.NotConnectFirst(_logger, Id, RemoteEndPoint, packet.Type);
            return MqttSessionEndReason.ProtocolError;
        }

        var session = Session!;
        var now = Environment.TickCount64;
        switch (packet)
        {
            case MqttPublishPacket publish:
                return await HandlePublishAsync(publish, session, ct);

            case MqttPubAckPacket ack:
                lock (session.Sync)
                {
                    session.OnPubAckLocked(ack, now);
                }

                return null;

            case MqttPubRecPacket rec:
                MqttPubRelPacket? rel;
                lock (session.Sync)
                {
                    rel = session.OnPubRecLocked(rec, ProtocolVersion, now);
                }

                if (rel is not null)
                {
                    await _outbound.Writer.WriteAsync(rel, ct);
                }

                return null;

            case MqttPubCompPacket comp:
                lock (session.Sync)
                {
                    session.OnPubCompLocked(comp, now);
                }

                return null;

            case MqttPubRelPacket pubRel:
                bool known;
                lock (session.Sync)
                {
                    known = session.InboundQos2PacketIds.Remove(pubRel.PacketId);
                }

                await _outbound.Writer.WriteAsync(
                    new MqttPubCompPacket
                    {
                        PacketId = pubRel.PacketId,
                        ReasonCode = known || !Is5 ? MqttReasonCode.Success : MqttReasonCode.PacketIdentifierNotFound,
                    },
                    ct);
                return null;

            case MqttSubscribePacket subscribe:
                await HandleSubscribeAsync(subscribe, session, ct);
                return null;

            case MqttUnsubscribePacket unsubscribe:
                await HandleUnsubscribeAsync(unsubscribe, session, ct);
                return null;

            case MqttPingReqPacket:
                await _outbound.Writer.WriteAsync(MqttPingRespPacket.Instance, ct);
                return null;

            case MqttDisconnectPacket disconnect:
                return HandleDisconnect(disconnect, session);

            case MqttConnectPacket:
                throw MqttProtocolException.ProtocolError("A second CONNECT on the same connection.");

            case MqttAuthPacket:
                throw MqttProtocolException.ProtocolError("AUTH without an authentication method in CONNECT.");

            default:
                throw MqttProtocolException.ProtocolError($"A client must not send {packet.Type}.");
        }
    }

    private async ValueTask<MqttSessionEndReason?> HandleConnectAsync(MqttConnectPacket connect, CancellationToken ct)
    {
        var is5 = connect.ProtocolVersion == MqttProtocolVersion.V500;
        var clientId = connect.ClientId;
        var assigned = false;
        if (is5 && connect.Properties.AuthenticationMethod is not null)
        {
            return RefuseConnect(clientId, MqttReasonCode.BadAuthenticationMethod, "Enhanced authentication is not supported.");
        }

        // Before any work for the client (authentication, a device grain): at the limit a refusal costs next to nothing.
        var open = _server.OpenConnections;
        if (_server.ConnectionLimit.Exceeded(open))
        {
            // Logged by the limit, once per interval, not once per refusal as RefuseConnect does.
            _server.ConnectionLimit.Record(open);
            return Refuse(MqttReasonCode.QuotaExceeded, "The server is at its connection limit; retry later.");
        }

        // After the limit: a connection that is refused anyway takes no token from those that could be let in.
        if (!_server.ConnectRate.TryAcquire())
        {
            _server.ConnectRate.Record();
            return Refuse(MqttReasonCode.ServerBusy, "The server is at its connect rate limit; retry later.");
        }

        if (clientId.Length == 0)
        {
            // 3.1.1 allows an empty id only for a clean session: there is no way to resume it later.
            if (!is5 && !connect.CleanStart)
            {
                return RefuseConnect(clientId, MqttReasonCode.ClientIdentifierNotValid, null);
            }

            clientId = "auto-" + Guid.NewGuid().ToString("N");
            assigned = true;
        }

        var request = new MqttConnectRequest(
            clientId,
            connect.UserName,
            connect.Password,
            connect.ProtocolVersion,
            RemoteEndPoint,
            connect.CleanStart,
            connect.Properties.UserProperties) { ClientIdAssigned = assigned, ClientCertificate = ClientCertificate };

        MqttAuthResult auth;
        try
        {
            auth = await _application.AuthenticateAsync(request, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            MqttLog.HookFailed(_logger, ex, nameof(IMqttApplication.AuthenticateAsync), clientId);
            auth = MqttAuthResult.Reject(MqttReasonCode.ServerUnavailable);
        }

        if (!auth.IsAccepted)
        {
            return RefuseConnect(clientId, auth.ReasonCode, auth.ReasonString);
        }

        var requestedExpiry = is5 ? connect.Properties.SessionExpiryInterval ?? 0 : connect.CleanStart ? 0 : uint.MaxValue;
        var expiry = Math.Min(requestedExpiry, _options.MaxSessionExpiryIntervalSeconds);
        var keepAlive = EffectiveKeepAlive(connect.KeepAliveSeconds);
        MaxInflight = Math.Max(1, Math.Min(connect.Properties.ReceiveMaximum ?? ushort.MaxValue, _options.MaxInflightMessages));
        ClientMaximumPacketSize = connect.Properties.MaximumPacketSize ?? uint.MaxValue;
        Info = new MqttSessionInfo(clientId, auth.Identity ?? clientId, connect.UserName, connect.ProtocolVersion, RemoteEndPoint, Id)
        {
            SessionRetained = expiry > 0,
        };

        var connAck = new MqttConnAckPacket
        {
            ReasonCode = MqttReasonCode.Success,
            Properties = !is5 ? MqttProperties.Empty : new MqttProperties
            {
                SessionExpiryInterval = expiry != requestedExpiry ? expiry : null,
                AssignedClientIdentifier = assigned ? clientId : null,
                ServerKeepAlive = keepAlive != connect.KeepAliveSeconds ? keepAlive : null,
                MaximumPacketSize = (uint)_options.MaxPacketSize,
                TopicAliasMaximum = _options.TopicAliasMaximum,
                RetainAvailable = 0,
                SharedSubscriptionAvailable = 0,
                WildcardSubscriptionAvailable = 1,
                SubscriptionIdentifierAvailable = 1,
            },
        };

        _keepAliveWindow = keepAlive == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(keepAlive * 1500L);
        // Keep-alive 0: no deadline at all, not even the connect timeout's.
        _keepAlive.Change(_keepAliveWindow, Timeout.InfiniteTimeSpan);
        _connected = true;
        _openedVersion = connect.ProtocolVersion;
        _events?.ConnectionOpened(connect.ProtocolVersion);
        var sessionPresent = _server.AttachSession(this, clientId, connect.CleanStart, expiry, connAck);
        MqttLog.Connected(_logger, clientId, RemoteEndPoint, Id, connect.ProtocolVersion, sessionPresent, keepAlive);
        if (sessionPresent)
        {
            try
            {
                await _application.OnSessionResumedAsync(Info, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                MqttLog.HookFailed(_logger, ex, nameof(IMqttApplication.OnSessionResumedAsync), clientId);
            }
        }
        return null;
    }

    private ushort EffectiveKeepAlive(ushort requested)
    {
        var max = _options.MaxKeepAliveSeconds;
        if (max <= 0)
        {
            return requested;
        }

        return requested == 0 || requested > max ? (ushort)Math.Min(max, ushort.MaxValue) : requested;
    }

    private MqttSessionEndReason RefuseConnect(string clientId, MqttReasonCode code, string? reasonString)
    {
        MqttLog.ConnectRefused(_logger, Id, RemoteEndPoint, clientId, code);
        return Refuse(code, reasonString);
    }

    /// <summary>Answers the CONNECT with a refusal and ends the connection; counted through the server events.</summary>
    private MqttSessionEndReason Refuse(MqttReasonCode code, string? reasonString)
    {
        _events?.Refused(MqttPacketType.Connect, code);
        _finalPacket = new MqttConnAckPacket
        {
            ReasonCode = code,
            Properties = Is5 && reasonString is not null ? new MqttProperties { ReasonString = reasonString } : MqttProperties.Empty,
        };
        return MqttSessionEndReason.ProtocolError;
    }

    private async ValueTask<MqttSessionEndReason?> HandlePublishAsync(MqttPublishPacket publish, MqttSession session, CancellationToken ct)
    {
        var topic = ResolveTopic(publish);
        var info = Info!;
        var allowed = Authorize(() => _application.AuthorizePublish(info, topic), nameof(IMqttApplication.AuthorizePublish));
        var deniedCode = Is5 ? MqttReasonCode.NotAuthorized : MqttReasonCode.Success;
        if (!allowed)
        {
            _refusals.Record(info.ClientId, MqttPacketType.Publish, topic, MqttReasonCode.NotAuthorized);
        }
        var p = publish.Properties;
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = publish.Payload,
            QualityOfService = publish.QualityOfService,
            Retain = publish.Retain,
            PayloadFormatIndicator = p.PayloadFormatIndicator,
            MessageExpiryInterval = p.MessageExpiryInterval,
            ContentType = p.ContentType,
            ResponseTopic = p.ResponseTopic,
            CorrelationData = p.CorrelationData,
            UserProperties = p.UserProperties,
        };

        switch (publish.QualityOfService)
        {
            case MqttQualityOfService.AtMostOnce:
                return allowed && !await DeliverToApplicationAsync(info, message, ct) ? MqttSessionEndReason.ApplicationError : null;

            case MqttQualityOfService.AtLeastOnce:
                if (allowed && !await DeliverToApplicationAsync(info, message, ct))
                {
                    return MqttSessionEndReason.ApplicationError;
                }

                await _outbound.Writer.WriteAsync(
                    new MqttPubAckPacket { PacketId = publish.PacketId, ReasonCode = allowed ? MqttReasonCode.Success : deniedCode },
                    ct);
                return null;

            default:
                bool duplicate;
                lock (session.Sync)
                {
                    duplicate = session.InboundQos2PacketIds.Contains(publish.PacketId);
                }

                // Exactly once: a resent PUBLISH whose id still awaits PUBREL was already handed over.
                if (!duplicate)
                {
                    if (allowed && !await DeliverToApplicationAsync(info, message, ct))
                    {
                        return MqttSessionEndReason.ApplicationError;
                    }

                    // A failure reason ends the 5.0 flow at PUBREC, so only remember ids that expect a PUBREL.
                    if (allowed || !Is5)
                    {
                        lock (session.Sync)
                        {
                            session.InboundQos2PacketIds.Add(publish.PacketId);
                        }
                    }
                }

                await _outbound.Writer.WriteAsync(
                    new MqttPubRecPacket { PacketId = publish.PacketId, ReasonCode = allowed || duplicate ? MqttReasonCode.Success : deniedCode },
                    ct);
                return null;
        }
    }

    private string ResolveTopic(MqttPublishPacket publish)
    {
        if (Is5 && publish.Properties.TopicAlias is { } alias)
        {
            if (alias == 0 || alias > _options.TopicAliasMaximum)
            {
                throw new MqttProtocolException(MqttReasonCode.TopicAliasInvalid, $"Topic alias {alias} is outside 1..{_options.TopicAliasMaximum}.");
            }

            _topicAliases ??= [];
            if (publish.Topic.Length > 0)
            {
                _topicAliases[alias] = publish.Topic;
                return publish.Topic;
            }

            return _topicAliases.TryGetValue(alias, out var known)
                ? known
                : throw MqttProtocolException.ProtocolError($"Topic alias {alias} was never defined.");
        }

        return publish.Topic.Length > 0
            ? publish.Topic
            : throw MqttProtocolException.ProtocolError("PUBLISH has neither a topic nor a topic alias.");
    }

    private async ValueTask<bool> DeliverToApplicationAsync(MqttSessionInfo info, MqttApplicationMessage message, CancellationToken ct)
    {
        try
        {
            await _application.OnMessageReceivedAsync(info, message, ct);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            MqttLog.HookFailed(_logger, ex, nameof(IMqttApplication.OnMessageReceivedAsync), info.ClientId);
            if (Is5)
            {
                _finalPacket = new MqttDisconnectPacket { ReasonCode = MqttReasonCode.UnspecifiedError };
            }

            return false;
        }
    }

    private bool Authorize(Func<MqttAuthorization> decide, string hook)
    {
        try
        {
            return decide() == MqttAuthorization.Allow;
        }
        catch (Exception ex)
        {
            // An authorizer that fails denies; it never takes the connection down.
            MqttLog.HookFailed(_logger, ex, hook, Info?.ClientId);
            return false;
        }
    }

    private async ValueTask HandleSubscribeAsync(MqttSubscribePacket subscribe, MqttSession session, CancellationToken ct)
    {
        var info = Info!;
        var identifiers = subscribe.Properties.SubscriptionIdentifiers;
        if (identifiers.Count > 1)
        {
            throw MqttProtocolException.ProtocolError("SUBSCRIBE carries more than one subscription identifier.");
        }

        uint? subscriptionId = identifiers.Count == 1 ? identifiers[0] : null;
        var codes = new List<MqttReasonCode>(subscribe.Subscriptions.Count);
        var granted = new List<string>();
        foreach (var subscription in subscribe.Subscriptions)
        {
            var filter = subscription.TopicFilter;
            var refusal = !Topics.MqttTopic.IsValidTopicFilter(filter) ? MqttReasonCode.TopicFilterInvalid
                : Is5 && filter.StartsWith("$share/", StringComparison.Ordinal) ? MqttReasonCode.SharedSubscriptionsNotSupported
                : !Authorize(() => _application.AuthorizeSubscribe(info, filter), nameof(IMqttApplication.AuthorizeSubscribe)) ? MqttReasonCode.NotAuthorized
                : MqttReasonCode.Success;
            if (refusal != MqttReasonCode.Success)
            {
                _refusals.Record(info.ClientId, MqttPacketType.Subscribe, filter, refusal);
                codes.Add(refusal);
                continue;
            }

            lock (session.Sync)
            {
                session.Subscriptions[filter] = new MqttSessionSubscription(filter, subscription.MaximumQoS, subscriptionId);
            }

            codes.Add((MqttReasonCode)subscription.MaximumQoS);
            granted.Add(filter);
        }

        await _outbound.Writer.WriteAsync(new MqttSubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = codes }, ct);
        if (granted.Count > 0)
        {
            try
            {
                await _application.OnSubscribedAsync(info, granted, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                MqttLog.HookFailed(_logger, ex, nameof(IMqttApplication.OnSubscribedAsync), info.ClientId);
            }
        }
    }

    private async ValueTask HandleUnsubscribeAsync(MqttUnsubscribePacket unsubscribe, MqttSession session, CancellationToken ct)
    {
        var codes = new List<MqttReasonCode>(unsubscribe.TopicFilters.Count);
        lock (session.Sync)
        {
            foreach (var filter in unsubscribe.TopicFilters)
            {
                codes.Add(session.Subscriptions.Remove(filter) ? MqttReasonCode.Success : MqttReasonCode.NoSubscriptionExisted);
            }
        }

        await _outbound.Writer.WriteAsync(new MqttUnsubAckPacket { PacketId = unsubscribe.PacketId, ReasonCodes = codes }, ct);
    }

    private MqttSessionEndReason HandleDisconnect(MqttDisconnectPacket disconnect, MqttSession session)
    {
        if (Is5 && disconnect.Properties.SessionExpiryInterval is { } newExpiry)
        {
            lock (session.Sync)
            {
                // A session that was to end with its connection cannot be revived at the last moment.
                if (session.ExpiryIntervalSeconds == 0 && newExpiry != 0)
                {
                    throw MqttProtocolException.ProtocolError("DISCONNECT sets a session expiry on a session that had none.");
                }

                session.ExpiryIntervalSeconds = Math.Min(newExpiry, _options.MaxSessionExpiryIntervalSeconds);
            }
        }

        return MqttSessionEndReason.ClientDisconnected;
    }

    private async Task RunWriterAsync()
    {
        // Yield first so that RunAsync starts its read loop without waiting on the writer.
        await Task.Yield();
        var output = _transport.Output;
        var reader = _outbound.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_writerCts.Token))
            {
                while (!_dropQueued && reader.TryRead(out var packet))
                {
                    Write(packet, output);
                }

                if (_dropQueued)
                {
                    break;
                }

                var flush = await output.FlushAsync(_writerCts.Token);
                if (flush.IsCompleted)
                {
                    return;
                }
            }

            if (_finalPacket is { } final)
            {
                Write(final, output);
                await output.FlushAsync(_writerCts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Closing gave up waiting for a client that does not read.
        }
        catch (Exception ex)
        {
            MqttLog.TransportFailed(_logger, ex, Id);
            Abort(MqttSessionEndReason.ConnectionLost, MqttReasonCode.UnspecifiedError);
        }
    }

    // Straight into the transport's pipe (the encoder's body scratch is per thread): a buffer of its own would be a
    // kilobyte held by every idle connection.
    private void Write(MqttPacket packet, PipeWriter output)
    {
        var size = MqttPacketEncoder.Encode(packet, ProtocolVersion, output, ClientMaximumPacketSize);
        if ((uint)size > ClientMaximumPacketSize)
        {
            // 5.0: never send a client more than it accepts; a PUBLISH counts as delivered and is dropped.
            MqttLog.PacketTooLargeForClient(_logger, Info?.ClientId, packet.Type, size, ClientMaximumPacketSize);
            if (packet is MqttPublishPacket { QualityOfService: > MqttQualityOfService.AtMostOnce } publish && Session is { } session)
            {
                lock (session.Sync)
                {
                    session.OnUnsendableLocked(publish.PacketId, Environment.TickCount64);
                }
            }

            return;
        }
    }
}
