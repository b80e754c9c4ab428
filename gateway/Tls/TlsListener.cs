using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CommandGrid.Gateway.Hosting;
using CommandGrid.Metrics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Tls;

/// <summary>
/// TLS on an endpoint with a certificate from files, on Kestrel's TLS: TLS 1.2 and 1.3, the certificate of
/// <see cref="ServerCertificateFiles"/> as it is at each handshake (so a rotated one serves the next connection).
/// A client certificate is asked for with <see cref="ClientCertificateMode.AllowCertificate"/> and taken as it is:
/// who may use it is decided above TLS (devices at the MQTT CONNECT, <see cref="DeviceCertificateValidator"/>), so a
/// client without one may still log in with a token, and a refused one learns why.
/// A handshake that does not complete (plain MQTT or HTTP on the TLS port, garbage for a ClientHello, the server's
/// certificate refused, the handshake timeout) closes that connection only, is counted
/// (<c>commandgrid.tls.handshake_failures</c>) and gets a warning: one per 10 s with the number since the last, as
/// Kestrel logs each only at Debug.
/// </summary>
public sealed class TlsListener(GridMetrics metrics, ILogger<TlsListener> logger, TimeProvider clock)
{
    private static readonly object HandshakeCompleted = new();
    private readonly WarningThrottle _warnings = new(clock, TimeSpan.FromSeconds(10));

    public ListenOptions Use(ListenOptions listen, ServerCertificateFiles certificate, ClientCertificateMode clientCertificate,
        TimeSpan handshakeTimeout, List<SslApplicationProtocol>? applicationProtocols = null)
    {
        var ask = clientCertificate != ClientCertificateMode.NoCertificate;
        RemoteCertificateValidationCallback? accept = clientCertificate switch
        {
            ClientCertificateMode.RequireCertificate => static (_, presented, _, _) => presented is not null,
            ClientCertificateMode.NoCertificate => null,
            _ => static (_, _, _, _) => true,
        };
        listen.Use(next => async connection =>
        {
            var started = clock.GetTimestamp();
            string? error = null;
            try
            {
                await next(connection);
            }
            catch (Exception ex) when (!connection.Items.ContainsKey(HandshakeCompleted))
            {
                // Thrown by the handshake on what the client sent (SslStream answers some malformed ClientHellos with
                // NotSupportedException, which Kestrel does not catch and would log as an unhandled error).
                error = ex.Message;
            }
            finally
            {
                if (!connection.Items.ContainsKey(HandshakeCompleted))
                {
                    HandshakeFailed(connection, clock.GetElapsedTime(started), handshakeTimeout, error);
                }
            }
        });
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            HandshakeTimeout = handshakeTimeout,
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificate.Current,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = applicationProtocols,
                ClientCertificateRequired = ask,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = accept,
            }),
        });
        listen.Use(next => connection =>
        {
            connection.Items[HandshakeCompleted] = true;
            return next(connection);
        });
        return listen;
    }

    private void HandshakeFailed(Microsoft.AspNetCore.Connections.ConnectionContext connection, TimeSpan elapsed, TimeSpan handshakeTimeout, string? error)
    {
        metrics.TlsHandshakeFailed();
        if (_warnings.TryTake(out var held))
        {
            logger.LogWarning("TLS handshake on {EndPoint} from {RemoteEndPoint} did not complete ({ElapsedMs:F0} ms; handshake timeout {TimeoutSeconds} s): not TLS, a malformed ClientHello, or the server's certificate refused{Error}{Held}",
                connection.LocalEndPoint, connection.RemoteEndPoint, elapsed.TotalMilliseconds, handshakeTimeout.TotalSeconds, error is null ? "" : $" ({error})",
                held > 0 ? $" ({held} more since the last such line)" : "");
        }
    }

    /// <summary>The ALPN names of an HTTP endpoint's protocols (HTTP/3 runs on QUIC, not on this TLS).</summary>
    public static List<SslApplicationProtocol> AlpnFor(HttpProtocols protocols) => protocols switch
    {
        HttpProtocols.Http1 => [SslApplicationProtocol.Http11],
        HttpProtocols.Http2 => [SslApplicationProtocol.Http2],
        _ => [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
    };
}
