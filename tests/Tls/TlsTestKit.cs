using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CommandGrid.Tests.Infrastructure;

namespace CommandGrid.Tests.Tls;

/// <summary>
/// What a TLS test needs, made at run time in a folder of its own: a server CA with a server certificate for
/// 127.0.0.1 (PEM files, which the grid and the clients read), a device CA issuing device certificates, and a probe
/// that tells which certificate a server presents.
/// </summary>
public sealed class TlsTestKit : IDisposable
{
    private readonly ScratchFolder _folder = ScratchFolder.Create();

    public TlsTestKit()
    {
        ServerCaPath = ServerCa.WriteCertificate(_folder, "server-ca");
        DeviceCaPath = DeviceCa.WriteCertificate(_folder, "device-ca");
        using var server = ServerCa.IssueServer();
        ServerPem = TestCertificateAuthority.WritePem(server, _folder, "server");
    }

    public TestCertificateAuthority ServerCa { get; } = TestCertificateAuthority.Create("CommandGrid test server CA");

    public TestCertificateAuthority DeviceCa { get; } = TestCertificateAuthority.Create("CommandGrid test device CA");

    public string ServerCaPath { get; }

    public string DeviceCaPath { get; }

    /// <summary>The grid's certificate and key files.</summary>
    public (string Certificate, string Key) ServerPem { get; }

    public ScratchFolder Folder => _folder;

    /// <summary>A grid's settings for MQTT over TLS on a free port with the server certificate, devices identified by the device CA.</summary>
    public Dictionary<string, string?> MqttTlsSettings() => new()
    {
        ["Mqtt:Tls:Port"] = TestPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mqtt:Tls:Certificate:Path"] = ServerPem.Certificate,
        ["Mqtt:Tls:Certificate:KeyPath"] = ServerPem.Key,
        ["Devices:ClientCertificates:CaPath"] = DeviceCaPath,
    };

    /// <summary>
    /// A grid's endpoints with HTTPS on a Kestrel endpoint of the server certificate (and HTTP on loopback, the tests'
    /// BaseUri), asking clients for a certificate so that devices over wss://…/mqtt may log in with theirs.
    /// </summary>
    public Dictionary<string, string?> HttpsEndpoints() => new()
    {
        ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
        ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
        ["Kestrel:Endpoints:Https:Certificate:Path"] = ServerPem.Certificate,
        ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = ServerPem.Key,
        ["Kestrel:Endpoints:Https:ClientCertificateMode"] = "AllowCertificate",
        ["Devices:ClientCertificates:CaPath"] = DeviceCaPath,
        ["Mqtt:Address"] = "127.0.0.1",
        ["Mqtt:Port"] = "0",
    };

    /// <summary>A device certificate for <paramref name="thing"/> written as name.crt and name.key (of the device CA unless <paramref name="ca"/>).</summary>
    public (string Certificate, string Key) Device(string thing, string name, TestCertificateAuthority? ca = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var certificate = (ca ?? DeviceCa).IssueDevice(thing, notBefore, notAfter);
        return TestCertificateAuthority.WritePem(certificate, _folder, name);
    }

    /// <summary>Replaces the grid's certificate files with a new certificate of the server CA, as a rotation does (renamed over them); returns its thumbprint.</summary>
    public string RotateServerCertificate()
    {
        using var replacement = ServerCa.IssueServer();
        var staged = TestCertificateAuthority.WritePem(replacement, _folder, "server-next");
        File.Move(staged.Certificate, ServerPem.Certificate, overwrite: true);
        File.Move(staged.Key, ServerPem.Key, overwrite: true);
        return replacement.Thumbprint;
    }

    /// <summary>MQTT.js options for a device that logs in with its certificate and trusts the server CA.</summary>
    public object MqttJsOptions((string Certificate, string Key) device, string clientId, int version = 5) => new
    {
        clientId,
        protocolVersion = version,
        ca = File.ReadAllText(ServerCaPath),
        cert = File.ReadAllText(device.Certificate),
        key = File.ReadAllText(device.Key),
        keepalive = 30,
    };

    /// <summary>The thumbprint of the certificate the server presents to a new TLS connection.</summary>
    public static async Task<string> ServerCertificateAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        string? thumbprint = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            thumbprint = certificate is null ? null : new X509Certificate2(certificate).Thumbprint;
            return true;
        });
        await tls.AuthenticateAsClientAsync("localhost");
        return thumbprint ?? throw new InvalidOperationException("The server presented no certificate.");
    }

    public void Dispose()
    {
        ServerCa.Dispose();
        DeviceCa.Dispose();
        _folder.Dispose();
    }
}
