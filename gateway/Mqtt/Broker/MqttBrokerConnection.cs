using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace CommandGrid.Gateway.Mqtt.Broker;

/// <summary>
/// The MQTTnet client of broker mode, kept connected: one loop connects, subscribes and then waits for
/// MQTTnet's <c>DisconnectedAsync</c> to reconnect with exponential backoff (MQTTnet 5 has no managed
/// client, and its samples recommend a loop of one's own over reconnecting inside the event).
/// Inbound messages are acknowledged only after the handler ran, so a response in hand when the
/// gateway dies is redelivered (at least once); they are handled concurrently, as MQTTnet's sample
/// for deferred acknowledgement does, because one slow grain call must not hold up the others.
/// </summary>
internal sealed class MqttBrokerConnection : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MinReconnectDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(10);

    private readonly IMqttClient _client;
    private readonly MqttBrokerOptions _options;
    private readonly string _host;
    private readonly int _port;
    private readonly string _clientId;
    private readonly MqttClientSubscribeOptions _subscription;
    private readonly string _topicFilter;
    private readonly Func<MqttApplicationMessage, Task> _onMessage;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _lost = NewSignal();
    private SemaphoreSlim _inflight = new(1, 1);
    private Task? _loop;
    private int _connectionCount;

    public MqttBrokerConnection(MqttBrokerOptions options, string clientId, string topicFilter, Func<MqttApplicationMessage, Task> onMessage, ILogger logger)
    {
        if (options.BrokerProtocolVersion is not (4 or 5))
        {
            throw new ArgumentException($"Mqtt:BrokerProtocolVersion {options.BrokerProtocolVersion} must be 5 (MQTT 5.0) or 4 (3.1.1)");
        }
        _options = options;
        (_host, _port) = options.ParseBroker();
        _clientId = clientId;
        _topicFilter = topicFilter;
        _onMessage = onMessage;
        _logger = logger;
        var factory = new MqttClientFactory();
        _subscription = factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter(filter => filter.WithTopic(topicFilter).WithAtLeastOnceQoS())
            .Build();
        _client = factory.CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnApplicationMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    public bool IsV5 => _options.BrokerProtocolVersion == 5;

    /// <summary>Called (not awaited by the connection loop) after every connection whose subscription the broker granted.</summary>
    public Func<Task>? OnConnected { get; init; }

    public bool IsConnected => _client.IsConnected && _connected.Task.IsCompleted;

    /// <summary>How many times a connection was established and subscribed (1 after the first).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    public void Start() => _loop ??= Task.Run(RunAsync);

    public Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _connected.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Publishes once connected, within the in-flight limit; a QoS 1 publish returns once the PUBACK came.
    /// Throws <see cref="MqttCommunicationException"/> when the connection is lost first: the caller decides
    /// whether to try again.
    /// </summary>
    public async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        await WaitConnectedAsync(linked.Token);
        var inflight = _inflight;
        await inflight.WaitAsync(linked.Token);
        try
        {
            return await _client.PublishAsync(message, linked.Token);
        }
        finally
        {
            inflight.Release();
        }
    }

    private MqttClientOptions ClientOptions(bool resume)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_host, _port)
            .WithClientId(_clientId)
            .WithProtocolVersion(IsV5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.BrokerKeepAliveSeconds))
            .WithTimeout(ConnectTimeout)
            // The first connection of a process starts clean; reconnects resume the session, so QoS 1
            // responses the broker queued during a short outage are not lost.
            .WithCleanStart(!resume);
        if (_options.BrokerUsername is not null)
        {
            builder.WithCredentials(_options.BrokerUsername, _options.BrokerPassword);
        }
        if (IsV5)
        {
            builder.WithSessionExpiryInterval(_options.BrokerSessionExpirySeconds)
                .WithReceiveMaximum((ushort)Math.Clamp(_options.BrokerMaxInflight, 1, ushort.MaxValue));
        }
        return builder.Build();
    }

    private async Task RunAsync()
    {
        var delay = MinReconnectDelay;
        var everConnected = false;
        while (!_stopping.IsCancellationRequested)
        {
            var connectedAt = DateTimeOffset.MinValue;
            lock (_lock)
            {
                _lost = NewSignal();
            }
            try
            {
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
                {
                    timeout.CancelAfter(ConnectTimeout);
                    var resume = everConnected && _options.BrokerSessionExpirySeconds > 0;
                    var connack = await _client.ConnectAsync(ClientOptions(resume), timeout.Token);
                    if (connack.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        throw new MqttCommunicationException($"the broker refused the connection: {connack.ResultCode} {connack.ReasonString}");
                    }
                    everConnected = true;
                    await SubscribeAsync(timeout.Token);
                    Connected(connack);
                }
                connectedAt = DateTimeOffset.UtcNow;
                await _lost.Task.WaitAsync(_stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _logger.LogWarning("Broker connection to {Host}:{Port} as {ClientId} failed: {Error}; retrying in {Delay} ms",
                    _host, _port, _clientId, e.Message, (int)delay.TotalMilliseconds);
                await DisconnectQuietlyAsync(MqttClientDisconnectOptionsReason.UnspecifiedError);
            }
            if (_stopping.IsCancellationRequested)
            {
                break;
            }
            // A connection that lived a while resets the backoff; a flapping one keeps doubling it.
            if (DateTimeOffset.UtcNow - connectedAt > TimeSpan.FromSeconds(30))
            {
                delay = MinReconnectDelay;
            }
            try
            {
                await Task.Delay(delay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
        }
    }

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        // Made on every connection, even a resumed one: the broker may have lost the session.
        var suback = await _client.SubscribeAsync(_subscription, cancellationToken);
        foreach (var item in suback.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new MqttCommunicationException($"the broker refused the subscription to {item.TopicFilter.Topic}: {item.ResultCode}");
            }
        }
    }

    private void Connected(MqttClientConnectResult connack)
    {
        var window = Math.Clamp(Math.Min(connack.ReceiveMaximum ?? ushort.MaxValue, _options.BrokerMaxInflight), 1, ushort.MaxValue);
        _inflight = new SemaphoreSlim(window, window);
        Interlocked.Increment(ref _connectionCount);
        lock (_lock)
        {
            _connected.TrySetResult();
        }
        _logger.LogInformation("Connected to broker {Host}:{Port} as {ClientId} (MQTT {Version}, session present {SessionPresent}), subscribed to {Filter}",
            _host, _port, _clientId, IsV5 ? "5.0" : "3.1.1", connack.IsSessionPresent, _topicFilter);
        if (OnConnected is { } onConnected)
        {
            _ = Task.Run(onConnected);
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        lock (_lock)
        {
            // Publishers wait for the next connection from here on instead of failing against a dead one.
            if (_connected.Task.IsCompleted)
            {
                _connected = NewSignal();
            }
            _lost.TrySetResult();
        }
        if (e.ClientWasConnected && !_stopping.IsCancellationRequested)
        {
            _logger.LogWarning("Broker connection to {Host}:{Port} as {ClientId} lost: {Reason} {Error}",
                _host, _port, _clientId, e.Reason, e.Exception?.Message);
        }
        return Task.CompletedTask;
    }

    private Task OnApplicationMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        e.AutoAcknowledge = false;
        _ = HandleThenAcknowledgeAsync(e);
        return Task.CompletedTask;
    }

    private async Task HandleThenAcknowledgeAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        try
        {
            await _onMessage(e.ApplicationMessage);
        }
        catch (Exception error)
        {
            // Acknowledged all the same: MQTT has no negative acknowledgement, and an unacknowledged
            // message would only hold a slot of the broker's in-flight window until the next reconnect.
            _logger.LogError(error, "Handling the broker message on {Topic} failed", e.ApplicationMessage.Topic);
        }
        try
        {
            await e.AcknowledgeAsync(_stopping.Token);
        }
        catch (Exception error)
        {
            // The connection went away first (MQTTnet then has no channel to send on, and fails in
            // more ways than one); the broker redelivers the unacknowledged message to the resumed session.
            _logger.LogDebug("Acknowledging the broker message on {Topic} failed: {Error}", e.ApplicationMessage.Topic, error.Message);
        }
    }

    private async Task DisconnectQuietlyAsync(MqttClientDisconnectOptionsReason reason)
    {
        if (!_client.IsConnected)
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(reason).Build(), timeout.Token);
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException)
        {
            _logger.LogDebug("Disconnecting from the broker failed: {Error}", e.Message);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await DisconnectQuietlyAsync(MqttClientDisconnectOptionsReason.NormalDisconnection);
        if (_loop is not null)
        {
            await _loop;
        }
        _client.Dispose();
        _stopping.Dispose();
    }
}
