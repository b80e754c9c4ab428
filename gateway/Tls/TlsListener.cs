using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CommandGrid.Gateway.Tls;

/// <summary>
/// TLS on an endpoint with a certificate from files, on Kestrel's TLS: TLS 1.2 and 1.3, the certificate of
/// <see cref="ServerCertificateFiles"/> as it is at each handshake (so a rotated one serves the next connection).
/// A client certificate is asked for with <see cref="ClientCertificateMode.AllowCertificate"/> and taken as it is:
/// who may use it is decided above TLS (devices at the MQTT CONNECT, <see cref="DeviceCertificateValidator"/>), so a
/// client without one may still log in with a token, and a refused one learns why.
/// </summary>
public static class TlsListener
{
    public static ListenOptions UseTls(this ListenOptions listen, ServerCertificateFiles certificate, ClientCertificateMode clientCertificate,
        TimeSpan handshakeTimeout, List<SslApplicationProtocol>? applicationProtocols = null)
    {
        var ask = clientCertificate != ClientCertificateMode.NoCertificate;
        RemoteCertificateValidationCallback? accept = clientCertificate switch
        {
            ClientCertificateMode.RequireCertificate => static (_, presented, _, _) => presented is not null,
            ClientCertificateMode.NoCertificate => null,
            _ => static (_, _, _, _) => true,
        };
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
        return listen;
    }

    /// <summary>The ALPN names of an HTTP endpoint's protocols (HTTP/3 runs on QUIC, not on this TLS).</summary>
    public static List<SslApplicationProtocol> AlpnFor(HttpProtocols protocols) => protocols switch
    {
        HttpProtocols.Http1 => [SslApplicationProtocol.Http11],
        HttpProtocols.Http2 => [SslApplicationProtocol.Http2],
        _ => [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
    };
}
