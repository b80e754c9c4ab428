using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using CommandGrid.Gateway.Mqtt.Codec;
using CommandGrid.Gateway.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Mqtt.Broker;

/// <summary>The broker dropped the connection while the operation was under way.</summary>
public sealed class MqttClientDisconnectedException(string message) : Exception(message);

/// <summary>
/// A small MQTT 5.0 / 3.1.1 client on the project's own codec, for broker mode: one TCP connection
/// at a time, kept up by a loop that reconnects with exponential backoff and re-subscribes.
/// QoS 1 publishes complete on PUBACK; inbound QoS 1 and 2 are acknowledged once the handler has
/// run (at least once). Separate from the server engine: nothing here knows about sessions of others.
/// </summary>
public sealed class MqttClientConnection : IAsyncDisposable
{
    private readonly MqttClientOptions _options;
    private readonly ILogger _logger;
    private readonly Func<MqttPublishPacket, Task> _onMessage;
    private readonly List<MqttSubscription> _subscriptions = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<ushort, TaskCompletionSource<MqttPacket>> _awaiting = new();
    private readonly ConcurrentDictionary<ushort, byte> _inboundQos2 = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SemaphoreSlim _inflight = new(1, 1);
    private NetworkStream? _stream;
    private Task? _loop;
    private int _nextPacketId;
    private long _lastSentTicks;
    private bool _everConnected;
    private volatile bool _closing;

    public MqttClientConnection(MqttClientOptions options, Func<MqttPublishPacket, Task> onMessage, ILogger logger)
    {
        _options = options;
        _onMessage = onMessage;
        _logger = logger;
    }

    /// <summary>Called (not awaited by the read loop) after every successful connection and subscription.</summary>
    public Func<Task>? OnConnected { get; set; }

    public bool IsConnected => _connected.Task.IsCompletedSuccessfully;

    /// <summary>How many times a connection was established (1 after the first CONNACK).</summary>
    public int ConnectionCount { get; private set; }

    /// <summary>Adds a subscription, made on every (re)connection. Call before <see cref="Start"/>.</summary>
    public void Subscribe(string topicFilter, MqttQualityOfService qos) => _subscriptions.Add(new MqttSubscription(topicFilter, qos));

    public void Start() => _loop ??= Task.Run(RunAsync);

    /// <summary>Waits until the client is connected and subscribed.</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        Task task;
        lock (_lock)
        {
            task = _connected.Task;
        }
        return task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Publishes once connected. QoS 0 returns once written; QoS 1 once the broker's PUBACK arrives
    /// (true for a success reason code). Throws <see cref="MqttClientDisconnectedException"/> when the
    /// connection drops before that; the caller decides whether to try again.
    /// </summary>
    public async Task<bool> PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qos, MqttProperties? properties = null, CancellationToken cancellationToken = default)
    {
        if (qos == MqttQualityOfService.ExactlyOnce)
        {
            throw new NotSupportedException("Broker mode publishes at QoS 0 or 1.");
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        await WaitConnectedAsync(linked.Token);
        if (_options.ProtocolVersion != MqttProtocolVersion.V500)
        {
            properties = MqttProperties.Empty;
        }
        if (qos == MqttQualityOfService.AtMostOnce)
        {
            await SendAsync(new MqttPublishPacket { Topic = topic, Payload = payload, QualityOfService = qos, Properties = properties ?? MqttProperties.Empty }, linked.Token);
            return true;
        }
        var inflight = _inflight;
        await inflight.WaitAsync(linked.Token);
        try
        {
            var (id, ack) = Reserve();
            try
            {
                await SendAsync(new MqttPublishPacket { Topic = topic, Payload = payload, QualityOfService = qos, PacketId = id, Properties = properties ?? MqttProperties.Empty }, linked.Token);
                var reply = await ack.Task.WaitAsync(linked.Token);
                return reply is MqttPubAckPacket { ReasonCode: < MqttReasonCode.UnspecifiedError };
            }
            finally
            {
                _awaiting.TryRemove(id, out _);
            }
        }
        finally
        {
            inflight.Release();
        }
    }

    private (ushort Id, TaskCompletionSource<MqttPacket> Ack) Reserve()
    {
        var tcs = new TaskCompletionSource<MqttPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        while (true)
        {
            var id = (ushort)(Interlocked.Increment(ref _nextPacketId) & 0xFFFF);
            if (id != 0 && _awaiting.TryAdd(id, tcs))
            {
                return (id, tcs);
            }
        }
    }

    private async Task SendAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw new MqttClientDisconnectedException("Not connected to the broker");
        var buffer = new ArrayBufferWriter<byte>(128);
        MqttPacketEncoder.Encode(packet, _options.ProtocolVersion, buffer);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
            Interlocked.Exchange(ref _lastSentTicks, Environment.TickCount64);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            throw new MqttClientDisconnectedException($"Writing to the broker failed: {e.Message}");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task RunAsync()
    {
        var delay = _options.MinReconnectDelay;
        while (!_stopping.IsCancellationRequested)
        {
            var connectedAt = DateTimeOffset.MinValue;
            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
                {
                    timeout.CancelAfter(_options.ConnectTimeout);
                    await socket.ConnectAsync(_options.Host, _options.Port, timeout.Token);
                }
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                var reader = PipeReader.Create(stream);
                var decoder = new MqttPacketDecoder { ProtocolVersion = _options.ProtocolVersion };
                _stream = stream;
                var connack = await HandshakeAsync(reader, decoder);
                connectedAt = DateTimeOffset.UtcNow;
                await SessionAsync(reader, decoder, connack);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception) when (_stopping.IsCancellationRequested || _closing)
            {
                break;
            }
            catch (Exception e)
            {
                _logger.LogWarning("Broker connection to {Host}:{Port} as {ClientId} lost or refused: {Error}; retrying in {Delay} ms",
                    _options.Host, _options.Port, _options.ClientId, e.Message, (int)delay.TotalMilliseconds);
            }
            finally
            {
                Disconnected();
            }
            if (_stopping.IsCancellationRequested)
            {
                break;
            }
            // A connection that lived a while resets the backoff; a flapping one keeps doubling it.
            if (DateTimeOffset.UtcNow - connectedAt > TimeSpan.FromSeconds(30))
            {
                delay = _options.MinReconnectDelay;
            }
            try
            {
                await Task.Delay(delay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    private async Task<MqttConnAckPacket> HandshakeAsync(PipeReader reader, MqttPacketDecoder decoder)
    {
        var is5 = _options.ProtocolVersion == MqttProtocolVersion.V500;
        var resume = _everConnected && _options.SessionExpirySeconds > 0;
        await SendAsync(new MqttConnectPacket
        {
            ProtocolVersion = _options.ProtocolVersion,
            ClientId = _options.ClientId,
            CleanStart = !resume,
            KeepAliveSeconds = _options.KeepAliveSeconds,
            UserName = _options.UserName,
            Password = _options.Password is null ? null : Encoding.UTF8.GetBytes(_options.Password),
            Properties = is5 ? new MqttProperties { SessionExpiryInterval = _options.SessionExpirySeconds, ReceiveMaximum = (ushort)Math.Min(_options.MaxInflight, ushort.MaxValue) } : MqttProperties.Empty,
        }, _stopping.Token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        var first = await ReadPacketAsync(reader, decoder, timeout.Token)
            ?? throw new MqttClientDisconnectedException("The broker closed the connection before CONNACK");
        if (first is not MqttConnAckPacket connack)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"Expected CONNACK, got {first.Type}");
        }
        if (connack.ReasonCode != MqttReasonCode.Success)
        {
            throw new MqttClientDisconnectedException($"The broker refused the connection: {connack.ReasonCode} {connack.Properties.ReasonString}");
        }
        _everConnected = true;
        return connack;
    }

    private async Task SessionAsync(PipeReader reader, MqttPacketDecoder decoder, MqttConnAckPacket connack)
    {
        var receiveMaximum = Math.Min(connack.Properties.ReceiveMaximum ?? ushort.MaxValue, _options.MaxInflight);
        _inflight = new SemaphoreSlim(receiveMaximum, receiveMaximum);
        var keepAlive = connack.Properties.ServerKeepAlive ?? _options.KeepAliveSeconds;
        using var session = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var lastReceived = Environment.TickCount64;
        var pinger = keepAlive == 0 ? Task.CompletedTask : Task.Run(async () =>
        {
            var period = TimeSpan.FromSeconds(keepAlive / 2.0);
            while (!session.IsCancellationRequested)
            {
                await Task.Delay(period, session.Token);
                if (Environment.TickCount64 - Volatile.Read(ref lastReceived) > keepAlive * 1500L)
                {
                    _logger.LogWarning("Broker {Host}:{Port} silent for 1.5 x keep-alive; dropping the connection", _options.Host, _options.Port);
                    Abort();
                    return;
                }
                if (Environment.TickCount64 - Interlocked.Read(ref _lastSentTicks) >= period.TotalMilliseconds)
                {
                    await SendAsync(MqttPingReqPacket.Instance, session.Token);
                }
            }
        }, session.Token);

        var subscribed = _subscriptions.Count == 0 ? null : await BeginSubscribeAsync(session.Token);
        try
        {
            while (true)
            {
                var readTask = ReadPacketAsync(reader, decoder, session.Token);
                if (subscribed is not null)
                {
                    // The SUBACK is read by this loop; mark the client connected once it arrives.
                    var finished = await Task.WhenAny((Task)readTask, subscribed.Task);
                    if (finished == subscribed.Task)
                    {
                        CheckSubAck(await subscribed.Task);
                        subscribed = null;
                        Connected(connack);
                    }
                }
                else if (!IsConnected)
                {
                    Connected(connack);
                }
                var packet = await readTask ?? throw new MqttClientDisconnectedException("The broker closed the connection");
                Volatile.Write(ref lastReceived, Environment.TickCount64);
                Dispatch(packet, session.Token);
            }
        }
        finally
        {
            await session.CancelAsync();
            try
            {
                await pinger;
            }
            catch (Exception e) when (e is OperationCanceledException or MqttClientDisconnectedException)
            {
            }
        }
    }

    private async Task<TaskCompletionSource<MqttPacket>> BeginSubscribeAsync(CancellationToken cancellationToken)
    {
        var (id, ack) = Reserve();
        await SendAsync(new MqttSubscribePacket { PacketId = id, Subscriptions = [.. _subscriptions] }, cancellationToken);
        return ack;
    }

    private void CheckSubAck(MqttPacket packet)
    {
        if (packet is not MqttSubAckPacket suback)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"Expected SUBACK, got {packet.Type}");
        }
        _awaiting.TryRemove(suback.PacketId, out _);
        for (var i = 0; i < suback.ReasonCodes.Count; i++)
        {
            if (suback.ReasonCodes[i] >= MqttReasonCode.UnspecifiedError)
            {
                throw new MqttClientDisconnectedException($"The broker refused the subscription to {_subscriptions[i].TopicFilter}: {suback.ReasonCodes[i]}");
            }
        }
    }

    private void Dispatch(MqttPacket packet, CancellationToken cancellationToken)
    {
        switch (packet)
        {
            case MqttPublishPacket publish:
                _ = ReceiveAsync(publish, cancellationToken);
                break;
            case MqttPubAckPacket or MqttSubAckPacket or MqttUnsubAckPacket:
                var id = packet switch { MqttPubAckPacket p => p.PacketId, MqttSubAckPacket s => s.PacketId, MqttUnsubAckPacket u => u.PacketId, _ => (ushort)0 };
                if (_awaiting.TryGetValue(id, out var waiter))
                {
                    waiter.TrySetResult(packet);
                }
                break;
            case MqttPubRelPacket rel:
                _inboundQos2.TryRemove(rel.PacketId, out _);
                _ = SendQuietlyAsync(new MqttPubCompPacket { PacketId = rel.PacketId }, cancellationToken);
                break;
            case MqttDisconnectPacket disconnect:
                throw new MqttClientDisconnectedException($"The broker disconnected us: {disconnect.ReasonCode} {disconnect.Properties.ReasonString}");
            case MqttPingRespPacket:
                break;
            default:
                _logger.LogDebug("Ignoring {PacketType} from the broker", packet.Type);
                break;
        }
    }

    private async Task ReceiveAsync(MqttPublishPacket publish, CancellationToken cancellationToken)
    {
        // A QoS 2 message whose PUBREL has not come yet was handled already: only the PUBREC is repeated.
        var duplicate = publish.QualityOfService == MqttQualityOfService.ExactlyOnce && !_inboundQos2.TryAdd(publish.PacketId, 0);
        if (!duplicate)
        {
            try
            {
                await _onMessage(publish);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Handling the broker message on {Topic} failed", publish.Topic);
            }
        }
        switch (publish.QualityOfService)
        {
            case MqttQualityOfService.AtLeastOnce:
                await SendQuietlyAsync(new MqttPubAckPacket { PacketId = publish.PacketId }, cancellationToken);
                break;
            case MqttQualityOfService.ExactlyOnce:
                await SendQuietlyAsync(new MqttPubRecPacket { PacketId = publish.PacketId }, cancellationToken);
                break;
        }
    }

    private async Task SendQuietlyAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(packet, cancellationToken);
        }
        catch (Exception e) when (e is MqttClientDisconnectedException or OperationCanceledException)
        {
            // The broker resends what was not acknowledged when we reconnect.
        }
    }

    private static async Task<MqttPacket?> ReadPacketAsync(PipeReader reader, MqttPacketDecoder decoder, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (decoder.TryDecode(ref buffer, out var packet))
            {
                reader.AdvanceTo(buffer.Start);
                return packet;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    private void Connected(MqttConnAckPacket connack)
    {
        ConnectionCount++;
        lock (_lock)
        {
            _connected.TrySetResult();
        }
        _logger.LogInformation("Connected to broker {Host}:{Port} as {ClientId} ({Protocol}, session present {SessionPresent}), subscribed to {Filters}",
            _options.Host, _options.Port, _options.ClientId, _options.ProtocolVersion, connack.SessionPresent, string.Join(", ", _subscriptions.Select(s => s.TopicFilter)));
        if (OnConnected is { } onConnected)
        {
            _ = Task.Run(onConnected);
        }
    }

    private void Disconnected()
    {
        _stream = null;
        lock (_lock)
        {
            if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        foreach (var (id, waiter) in _awaiting)
        {
            if (_awaiting.TryRemove(id, out _))
            {
                waiter.TrySetException(new MqttClientDisconnectedException("The broker connection was lost before the acknowledgement"));
            }
        }
        _inboundQos2.Clear();
    }

    private void Abort()
    {
        try
        {
            _stream?.Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        if (_stream is not null && IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await SendAsync(new MqttDisconnectPacket { ReasonCode = MqttReasonCode.Success }, timeout.Token);
            }
            catch (Exception e) when (e is MqttClientDisconnectedException or OperationCanceledException)
            {
            }
        }
        await _stopping.CancelAsync();
        Abort();
        if (_loop is not null)
        {
            await _loop;
        }
        _stopping.Dispose();
    }
}
