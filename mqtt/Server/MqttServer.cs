using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Security.Cryptography.X509Certificates;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Topics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Mqtt.Server;

/// <summary>
/// The MQTT engine: the registry of sessions by client id, the entry point for transports, and the
/// API through which the application sends to clients. It knows nothing about the grid; everything
/// application-specific goes through <see cref="IMqttApplication"/>, and what the host counts through
/// <see cref="IMqttServerEvents"/>.
/// </summary>
public sealed class MqttServer : IMqttPublisher
{
    private readonly IMqttApplication _application;
    private readonly MqttServerOptions _options;
    private readonly ILogger<MqttServer> _logger;
    private readonly MqttRefusals _refusals;
    private readonly IMqttServerEvents? _events;
    // Lock order: _sessionsLock before any session's Sync, never the reverse.
    private readonly Lock _sessionsLock = new();
    private readonly Dictionary<string, MqttSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, (MqttConnection Connection, Task Completion)> _connections = new();
    private long _nextConnectionId;
    private int _open;
    private volatile bool _stopping;
    private Task? _stopTask;
    // Keep-alive and CONNECT deadlines run on it, so that tests can move time instead of waiting for it.
    private readonly TimeProvider _timeProvider;

    public MqttServer(IMqttApplication application, IOptions<MqttServerOptions> options, IMeterFactory meters, ILogger<MqttServer> logger, TimeProvider timeProvider, IMqttServerEvents? events = null)
    {
        _timeProvider = timeProvider;
        _events = events;
        _refusals = new MqttRefusals(meters, options.Value, events, logger);
        _application = application;
        _options = options.Value;
        _logger = logger;
        ConnectionLimit = new MqttConnectionLimit(_options, logger);
        ConnectRate = new MqttConnectRateLimit(_options, logger);
        // Last, once this server can publish: no hook runs before a connection, and none can arrive before the server exists.
        application.OnServerCreated(this);
    }

    public MqttServerOptions Options => _options;

    /// <summary>The connection limit, and how many it refused.</summary>
    public MqttConnectionLimit ConnectionLimit { get; }

    /// <summary>The connect rate limit, and how many it refused.</summary>
    public MqttConnectRateLimit ConnectRate { get; }

    /// <summary>Connections open now, counted from accept (before CONNECT) to close.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>
    /// Runs the MQTT protocol over one transport connection until it ends. Transports call this once per
    /// accepted connection; it never throws for anything the client does.
    /// </summary>
    /// <param name="clientCertificate">The certificate the client presented in a TLS handshake, handed to the application's AuthenticateAsync.</param>
    public async Task HandleConnectionAsync(IDuplexPipe transport, string? remoteEndPoint, CancellationToken connectionClosed, X509Certificate2? clientCertificate = null)
    {
        if (_stopping)
        {
            return;
        }

        var id = Interlocked.Increment(ref _nextConnectionId);
        // Counted before the connection runs: its CONNECT may already be waiting and be handled in this very call.
        Interlocked.Increment(ref _open);
        try
        {
            var connection = new MqttConnection(this, _application, _options, _refusals, _events, transport, remoteEndPoint, id, _timeProvider, _logger)
            {
                ClientCertificate = clientCertificate,
            };
            var run = connection.RunAsync(connectionClosed);
            _connections[id] = (connection, run);
            try
            {
                await run;
            }
            finally
            {
                _connections.TryRemove(id, out _);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    /// <inheritdoc />
    public ValueTask<MqttDeliveryResult> PublishAsync(string clientId, MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(message);
        if (!MqttTopic.IsValidTopicName(message.Topic))
        {
            throw new ArgumentException($"'{message.Topic}' is not a valid MQTT topic name.", nameof(message));
        }

        cancellationToken.ThrowIfCancellationRequested();
        MqttSession? session;
        lock (_sessionsLock)
        {
            _sessions.TryGetValue(clientId, out session);
        }

        if (session is null)
        {
            return ValueTask.FromResult(MqttDeliveryResult.NoMatch);
        }

        lock (session.Sync)
        {
            if (session.IsDiscarded)
            {
                return ValueTask.FromResult(MqttDeliveryResult.NoMatch);
            }

            var (maximumQoS, identifiers) = session.MatchLocked(message.Topic);
            if (maximumQoS is not { } granted)
            {
                return ValueTask.FromResult(MqttDeliveryResult.NoMatch);
            }

            var qos = (MqttQualityOfService)Math.Min((int)message.QualityOfService, (int)granted);
            var now = Environment.TickCount64;
            var outbound = new MqttOutboundMessage(message, qos, identifiers, now);
            return ValueTask.FromResult(session.EnqueueLocked(outbound, now));
        }
    }

    /// <summary>Whether the client has a live connection.</summary>
    public bool IsConnected(string clientId)
    {
        lock (_sessionsLock)
        {
            return _sessions.TryGetValue(clientId, out var session) && session.Connection is not null;
        }
    }

    /// <summary>Whether a session (live or stored) exists for the client id.</summary>
    public bool HasSession(string clientId)
    {
        lock (_sessionsLock)
        {
            return _sessions.ContainsKey(clientId);
        }
    }

    /// <summary>Closes the client's live connection (5.0 clients get a DISCONNECT with the reason). Returns false if it has none.</summary>
    public bool DisconnectClient(string clientId, MqttReasonCode reasonCode = MqttReasonCode.AdministrativeAction)
    {
        MqttConnection? connection;
        lock (_sessionsLock)
        {
            connection = _sessions.TryGetValue(clientId, out var session) ? session.Connection : null;
        }

        connection?.Abort(MqttSessionEndReason.AdministrativeAction, reasonCode);
        return connection is not null;
    }

    /// <summary>Refuses new connections and closes the live ones (5.0: DISCONNECT 0x8B), waiting for them to finish. Idempotent.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_sessionsLock)
        {
            _stopTask ??= StopCoreAsync();
        }

        return _stopTask.WaitAsync(cancellationToken);
    }

    private async Task StopCoreAsync()
    {
        _stopping = true;
        var running = _connections.Values.ToArray();
        foreach (var (connection, _) in running)
        {
            connection.Abort(MqttSessionEndReason.ServerShutdown, MqttReasonCode.ServerShuttingDown);
        }

        await Task.WhenAll(running.Select(r => r.Completion)).ConfigureAwait(false);
        ConnectRate.Dispose();
    }

    /// <summary>
    /// Binds an accepted connection to the session of its client id: takes over a live connection of
    /// the same id, resumes or replaces the stored session, and queues the CONNACK followed by any
    /// resent messages, all under the session lock so nothing can overtake the CONNACK.
    /// </summary>
    internal bool AttachSession(MqttConnection connection, string clientId, bool cleanStart, uint expiryIntervalSeconds, MqttConnAckPacket connAck)
    {
        MqttConnection? previous = null;
        MqttSession? replaced = null;
        bool present;
        lock (_sessionsLock)
        {
            _sessions.TryGetValue(clientId, out var existing);
            if (existing is not null)
            {
                lock (existing.Sync)
                {
                    previous = existing.Connection;
                    existing.Connection = null;
                    existing.ExpiryTimer?.Cancel();
                    existing.ExpiryTimer = null;
                }
            }

            MqttSession session;
            if (existing is null || cleanStart)
            {
                replaced = existing;
                session = new MqttSession(clientId, _options);
                _sessions[clientId] = session;
                present = false;
            }
            else
            {
                session = existing;
                present = true;
            }

            lock (session.Sync)
            {
                session.ExpiryIntervalSeconds = expiryIntervalSeconds;
                session.Connection = connection;
                session.LastInfo = connection.Info;
                connection.Session = session;
                connection.TryEnqueue(connAck with { SessionPresent = present });
                if (present)
                {
                    session.ResumeLocked(connection, Environment.TickCount64);
                }
            }
        }

        previous?.Abort(MqttSessionEndReason.TakenOver, MqttReasonCode.SessionTakenOver);
        if (replaced is not null)
        {
            lock (replaced.Sync)
            {
                replaced.DiscardLocked();
            }
        }

        return present;
    }

    internal async Task OnConnectionClosedAsync(MqttConnection connection, MqttSessionEndReason reason)
    {
        var session = connection.Session;
        var info = connection.Info;
        if (session is null || info is null)
        {
            return;
        }

        bool retained;
        lock (_sessionsLock)
        {
            lock (session.Sync)
            {
                if (session.Connection == connection)
                {
                    session.Connection = null;
                    retained = session.ExpiryIntervalSeconds > 0;
                    if (!retained)
                    {
                        RemoveLocked(session);
                    }
                    else if (session.ExpiryIntervalSeconds != uint.MaxValue)
                    {
                        ScheduleExpiryLocked(session);
                    }
                }
                else
                {
                    // Taken over: the session now belongs to the newer connection, which decides its fate.
                    retained = !session.IsDiscarded;
                }
            }
        }

        MqttLog.Disconnected(_logger, info.ClientId, connection.Id, reason);
        await NotifySessionEndedAsync(info with { SessionRetained = retained }, reason);
    }

    private void RemoveLocked(MqttSession session)
    {
        if (_sessions.TryGetValue(session.ClientId, out var current) && current == session)
        {
            _sessions.Remove(session.ClientId);
        }

        session.DiscardLocked();
    }

    private void ScheduleExpiryLocked(MqttSession session)
    {
        var timer = new CancellationTokenSource();
        session.ExpiryTimer = timer;
        // Task.Delay's ceiling is about 49 days; a longer expiry is clamped to it.
        var delay = TimeSpan.FromSeconds(Math.Min(session.ExpiryIntervalSeconds, 49u * 24 * 3600));
        _ = ExpireAsync(session, delay, timer.Token);
    }

    private async Task ExpireAsync(MqttSession session, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        MqttSessionInfo? info;
        lock (_sessionsLock)
        {
            lock (session.Sync)
            {
                if (cancellationToken.IsCancellationRequested || session.Connection is not null || session.IsDiscarded)
                {
                    return;
                }

                info = session.LastInfo;
                RemoveLocked(session);
            }
        }

        MqttLog.SessionExpired(_logger, session.ClientId);
        if (info is not null)
        {
            await NotifySessionEndedAsync(info with { SessionRetained = false }, MqttSessionEndReason.SessionExpired);
        }
    }

    private async Task NotifySessionEndedAsync(MqttSessionInfo info, MqttSessionEndReason reason)
    {
        try
        {
            await _application.OnSessionEndedAsync(info, reason);
        }
        catch (Exception ex)
        {
            MqttLog.HookFailed(_logger, ex, nameof(IMqttApplication.OnSessionEndedAsync), info.ClientId);
        }
    }
}
