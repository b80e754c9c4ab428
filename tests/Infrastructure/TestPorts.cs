using System.Net;
using System.Net.Sockets;

namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// Loopback ports for servers the tests start as processes. Taken below Linux's ephemeral range (32768–60999), from
/// which the kernel picks the local port of every outgoing connection: a port bound to 0 and released came from that
/// range, and a silo's connection to PostgreSQL took one such port before the gateway meant to listen on it could
/// (a fresh-clone run, 2026-12-07). No port is handed out twice in one test run.
/// </summary>
public static class TestPorts
{
    private const int First = 20000;
    private const int Count = 12000;
    private static int _next = Random.Shared.Next(Count);

    /// <summary>A port nobody listens on now, outside the ephemeral range and not given to another test.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            if (IsFree(port))
            {
                return port;
            }
        }
        throw new InvalidOperationException($"No free loopback port in {First}-{First + Count - 1}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
