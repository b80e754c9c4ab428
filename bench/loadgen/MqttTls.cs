using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace Loadgen;

/// <summary>
/// MQTT over TLS for every client of this process (--tls). The server's certificate is taken as it is: the bench runs
/// on loopback against a node it started itself. With --device-ca-cert and --device-ca-key (PEM), each device logs in
/// with a certificate of its own, CN = its thing, issued by that CA here (before "ready" for idle devices, so that
/// issuing does not count against the logins), and no password.
/// </summary>
public sealed class MqttTls
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2? _deviceCa;
    private readonly ConcurrentDictionary<string, X509Certificate2> _issued = new(StringComparer.Ordinal);

    private MqttTls(X509Certificate2? deviceCa) => _deviceCa = deviceCa;

    public static MqttTls? FromOptions(Options o) => !o.Has("tls") ? null
        : new MqttTls(o.Has("device-ca-cert") ? X509Certificate2.CreateFromPemFile(o.Str("device-ca-cert"), o.Str("device-ca-key")) : null);

    /// <summary>Whether devices log in with certificates (and so without a password).</summary>
    public bool IssuesDeviceCertificates => _deviceCa is not null;

    public void Prepare(IEnumerable<string> things)
    {
        if (_deviceCa is not null)
        {
            Parallel.ForEach(things, thing => _issued.GetOrAdd(thing, Issue));
        }
    }

    public MqttClientOptionsBuilder Apply(MqttClientOptionsBuilder builder, string clientId) => builder.WithTlsOptions(tls =>
    {
        tls.UseTls().WithCertificateValidationHandler(_ => true);
        if (_deviceCa is not null)
        {
            tls.WithClientCertificates([_issued.GetOrAdd(clientId, Issue)]);
        }
    });

    private X509Certificate2 Issue(string thing)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={thing}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClientAuthentication], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        // Within the CA's own validity, which a CA made a moment ago has only just begun.
        var now = DateTimeOffset.UtcNow;
        var notBefore = new DateTimeOffset(_deviceCa!.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(_deviceCa.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        using var issued = request.Create(_deviceCa, notBefore, now.AddDays(1) < notAfter ? now.AddDays(1) : notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }
}
