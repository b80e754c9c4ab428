using System.Net;
using Microsoft.AspNetCore.Connections;

namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// Kestrel's transport with a bound on accepted connections (<see cref="ConnectionLimits.Total"/>), over every
/// endpoint together. Kestrel's own MaxConcurrentConnections accepts a connection before it closes one past the limit,
/// so a burst of thousands takes a descriptor each for a moment, and at the descriptor limit the runtime aborts. Here
/// a listener does not accept while the limit is reached: the connections past it wait in the kernel's backlog, which
/// costs the process nothing, and are accepted as places free (the MQTT listener frees them fast, refusing with 0x97
/// what is past its own, lower limit). Written by hand because Kestrel has no such option.
/// </summary>
internal sealed class AcceptGate(IConnectionListenerFactory inner, int limit) : IConnectionListenerFactory
{
    private readonly SemaphoreSlim _places = new(limit, limit);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new GatedListener(await inner.BindAsync(endpoint, cancellationToken), _places);

    private sealed class GatedListener(IConnectionListener inner, SemaphoreSlim places) : IConnectionListener
    {
        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                await places.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            ConnectionContext? connection;
            try
            {
                connection = await inner.AcceptAsync(cancellationToken);
            }
            catch
            {
                places.Release();
                throw;
            }
            if (connection is null)
            {
                places.Release();
                return null;
            }
            // The place is the socket's: it is given back when the transport reports the connection closed.
            connection.ConnectionClosed.Register(static state => ((SemaphoreSlim)state!).Release(), places);
            return connection;
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
