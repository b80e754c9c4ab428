using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CommandGrid.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// The connections of this member: a listener (silos only) and one connection per peer,
/// either dialled by us or accepted from the peer after its hello — a gateway's connection to
/// a silo is how the silo reaches the gateway's observers. Dialling happens on first use and
/// again after a drop (reconnect), and connections to members that left or died are closed.
/// </summary>
public sealed class ClusterTransport : IAsyncDisposable
{
    private readonly MembershipService _membership;
    private readonly ILogger<ClusterTransport> _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task<ClusterConnection>>> _dialled = new();
    private readonly ConcurrentDictionary<string, ClusterConnection> _accepted = new();
    private readonly ConcurrentDictionary<ClusterConnection, byte> _all = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Func<ClusterConnection, GrainRequest, Task<GrainResponse>> _handler = (_, _) =>
        Task.FromResult(GrainResponse.Failure(new NotOwnerException("This member is not ready.")));

    public ClusterTransport(MembershipService membership, ILogger<ClusterTransport> logger)
    {
        _membership = membership;
        _logger = logger;
    }

    /// <summary>The port the listener is bound to (0 before <see cref="Listen"/>).</summary>
    public int Port { get; private set; }

    internal void SetHandler(Func<ClusterConnection, GrainRequest, Task<GrainResponse>> handler) => _handler = handler;

    /// <summary>Binds the listener and starts accepting; returns the "host:port" to advertise.</summary>
    public string Listen(string advertisedHost, int port)
    {
        var bindTo = IPAddress.TryParse(advertisedHost, out var ip) ? ip : IPAddress.Any;
        _listener = new Socket(bindTo.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(bindTo, port));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _ = Task.Run(AcceptLoopAsync);
        return $"{advertisedHost}:{Port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>A connection to <paramref name="memberId"/>: one it dialled to us, or ours, dialled now if needed.</summary>
    /// <exception cref="ConnectFailedException">The member is unknown or cannot be reached; nothing was sent.</exception>
    internal async Task<ClusterConnection> GetAsync(string memberId, CancellationToken cancellationToken)
    {
        if (_dialled.TryGetValue(memberId, out var existing) && existing.IsValueCreated
            && existing.Value.IsCompletedSuccessfully && existing.Value.Result.IsOpen)
        {
            return existing.Value.Result;
        }
        if (_accepted.TryGetValue(memberId, out var accepted) && accepted.IsOpen)
        {
            return accepted;
        }
        var member = _membership.Snapshot.Find(memberId);
        if (member is null || member.Status is not (MemberStatus.Active or MemberStatus.Joining) || member.Address.Length == 0)
        {
            throw new ConnectFailedException($"Member {memberId} is not an active member with an address.");
        }
        while (true)
        {
            var lazy = _dialled.GetOrAdd(memberId, id => new Lazy<Task<ClusterConnection>>(() => DialAsync(id, member.Address)));
            try
            {
                var connection = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (connection.IsOpen)
                {
                    return connection;
                }
            }
            catch (ConnectFailedException)
            {
                _dialled.TryRemove(new KeyValuePair<string, Lazy<Task<ClusterConnection>>>(memberId, lazy));
                throw;
            }
            // A closed connection is forgotten so that the next attempt dials again.
            _dialled.TryRemove(new KeyValuePair<string, Lazy<Task<ClusterConnection>>>(memberId, lazy));
        }
    }

    /// <summary>Closes connections to members that are no longer alive, so calls waiting on them fail now rather than at their timeout.</summary>
    internal void DropDeparted(MembershipSnapshot snapshot)
    {
        foreach (var connection in _all.Keys)
        {
            var member = snapshot.Find(connection.RemoteMemberId);
            if (member is { Status: MemberStatus.Dead or MemberStatus.Left })
            {
                connection.Abort($"member {member.MemberId} is {member.Status.ToString().ToLowerInvariant()}");
            }
        }
    }

    /// <summary>Stops listening and drops every connection at once (a crash or a network cut, for fault tests).</summary>
    public void Kill()
    {
        _stopping.Cancel();
        try
        {
            _listener?.Close();
        }
        catch (Exception)
        {
            // Closing a listener that is already closed.
        }
        foreach (var connection in _all.Keys)
        {
            connection.Abort("transport killed");
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<ClusterConnection> DialAsync(string memberId, string address)
    {
        var colon = address.LastIndexOf(':');
        var host = address[..colon];
        var port = int.Parse(address[(colon + 1)..], CultureInfo.InvariantCulture);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            socket.Dispose();
            throw new ConnectFailedException($"Cannot connect to {memberId} at {address}: {e.Message}", e);
        }
        var connection = Track(socket);
        connection.RemoteMemberId = memberId;
        await connection.SendHelloAsync(_membership.MemberId, CancellationToken.None).ConfigureAwait(false);
        _logger.LogDebug("Connected to {Member} at {Address}", memberId, address);
        return connection;
    }

    private async Task AcceptLoopAsync()
    {
        var listener = _listener!;
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning("Accepting a cluster connection failed: {Error}", e.Message);
                continue;
            }
            var connection = Track(socket);
            _ = RegisterAcceptedAsync(connection);
        }
    }

    private async Task RegisterAcceptedAsync(ClusterConnection connection)
    {
        try
        {
            var peer = await connection.Hello.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            _accepted.AddOrUpdate(peer, connection, (_, previous) =>
            {
                if (previous != connection)
                {
                    previous.Abort("replaced by a new connection from the same member");
                }
                return connection;
            });
        }
        catch (Exception)
        {
            connection.Abort("no hello");
        }
    }

    private ClusterConnection Track(Socket socket)
    {
        var connection = new ClusterConnection(socket, _membership.Options.OutboundQueueCapacity, (c, r) => _handler(c, r), _logger);
        _all[connection] = 0;
        _ = connection.Closed.ContinueWith(closed =>
        {
            _all.TryRemove(connection, out _);
            _accepted.TryRemove(new KeyValuePair<string, ClusterConnection>(connection.RemoteMemberId, connection));
        }, TaskScheduler.Default);
        connection.Start();
        if (_stopping.IsCancellationRequested)
        {
            connection.Abort("transport stopped");
        }
        return connection;
    }
}
