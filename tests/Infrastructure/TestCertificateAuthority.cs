using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// A certificate authority made at run time (ECDSA P-256), issuing server and device certificates, written out as PEM
/// files for the clients (mosquitto, MQTT.js, curl) and the grid. Nothing of it is kept after the test.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2 _certificate;

    private TestCertificateAuthority(X509Certificate2 certificate) => _certificate = certificate;

    public X509Certificate2 Certificate => _certificate;

    public static TestCertificateAuthority Create(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new TestCertificateAuthority(request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1)));
    }

    /// <summary>A server certificate for localhost and 127.0.0.1.</summary>
    public X509Certificate2 IssueServer(string name = "localhost")
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        names.AddIpAddress(IPAddress.Loopback);
        return Issue($"CN={name}", [ServerAuthentication], names.Build(), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A cluster node's certificate: it accepts connections and opens them, so it is for server and client authentication.</summary>
    public X509Certificate2 IssueNode(string name = "commandgrid-node")
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        return Issue($"CN={name}", [ServerAuthentication, ClientAuthentication], names.Build(), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A device certificate whose CN is <paramref name="thing"/>, valid from a day ago for 30 days unless told otherwise.</summary>
    public X509Certificate2 IssueDevice(string thing, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue($"CN={thing}", [ClientAuthentication], null, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(30));

    /// <summary>Writes the CA's certificate as PEM; returns its path.</summary>
    public string WriteCertificate(ScratchFolder folder, string name)
    {
        var path = folder.File(name + ".crt");
        File.WriteAllText(path, _certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>Writes a CRL of this CA (PEM) that revokes <paramref name="revoked"/>; returns its path.</summary>
    public string WriteCrl(ScratchFolder folder, string name, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate);
        }
        var crl = builder.Build(_certificate, System.Numerics.BigInteger.One, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256);
        var path = folder.File(name + ".crl");
        File.WriteAllText(path, PemEncoding.WriteString("X509 CRL", crl));
        return path;
    }

    /// <summary>Writes <paramref name="certificate"/> and its key as PEM files name.crt and name.key; returns their paths.</summary>
    public static (string Certificate, string Key) WritePem(X509Certificate2 certificate, ScratchFolder folder, string name)
    {
        var certificatePath = folder.File(name + ".crt");
        var keyPath = folder.File(name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    private X509Certificate2 Issue(string subject, Oid[] usages, X509Extension? names, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names);
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(_certificate, notBefore, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose() => _certificate.Dispose();
}
