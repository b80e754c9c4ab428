using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CommandGrid.Gateway.Tls;

/// <summary>
/// TLS for an endpoint devices connect to, on Kestrel's TLS: TLS 1.2 and 1.3, the certificate of
/// <see cref="ServerCertificateFiles"/> as it is at each handshake, and, when a device CA is configured, a client
/// certificate asked for but not demanded: the MQTT CONNECT decides (<see cref="DeviceCertificateValidator"/>), so a
/// device without one may still log in with a token unless Mode is Require, and a refused one learns why.
/// </summary>
public static class DeviceTlsListener
{
    public static ListenOptions UseDeviceTls(this ListenOptions listen, ServerCertificateFiles certificate, bool askClientCertificate, TimeSpan handshakeTimeout)
    {
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            HandshakeTimeout = handshakeTimeout,
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificate.Current,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateRequired = askClientCertificate,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // Any certificate, or none, passes the handshake; it is checked against the device CA at CONNECT.
                RemoteCertificateValidationCallback = askClientCertificate ? static (_, _, _, _) => true : null,
            }),
        });
        return listen;
    }
}
