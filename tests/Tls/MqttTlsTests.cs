using System.Globalization;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace CommandGrid.Tests.Tls;

/// <summary>
/// MQTT over TLS with real clients (mosquitto_pub/sub, MQTT.js): devices identified by certificates of the device CA,
/// refusals of bad ones with their reasons, Mode=Require, and a server certificate replaced while the node runs.
/// Every certificate is made here, at run time.
/// </summary>
public sealed class MqttTlsTests : IDisposable
{
    private readonly TlsTestKit _tls = new();

    public void Dispose() => _tls.Dispose();

    private Task<GridServer> StartAsync(string mode = "Allow", IEnumerable<string>? revokedSerials = null, string? crlPath = null, CapturedLogs? logs = null)
    {
        var settings = _tls.MqttTlsSettings();
        settings["Devices:ClientCertificates:Mode"] = mode;
        settings["Devices:ClientCertificates:CrlPath"] = crlPath;
        foreach (var (serial, i) in (revokedSerials ?? []).Select((s, i) => (s, i)))
        {
            settings[$"Devices:ClientCertificates:RevokedSerials:{i}"] = serial;
        }
        return GridServer.StartAsync(settings: settings, customize: logs is null ? null : builder => builder.Logging.AddProvider(logs));
    }

    private static string Requests(string thing) => $"$emqx/commands/things/{thing}/executions/+/request";

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task MqttTls_DeviceWithCertificateAnswersWithoutToken(string version)
    {
        await using var server = await StartAsync();
        using var rest = server.Client();
        var thing = GridServer.NewId("tls");
        var device = _tls.Device(thing, thing);
        await rest.RegisterThingAsync(thing);
        var created = await rest.CreateCommandAsync(new { thingId = thing, action = "blink", @params = new { times = 2 }, ttl = 60 });
        var id = (string)created["executionId"]!;
        // No password: the certificate is the credential. The user name names the thing, so both clients may log in at once.
        string[] connection = ["-h", "127.0.0.1", "-p", server.MqttTlsPort.ToString(CultureInfo.InvariantCulture), "-V", version,
            "--cafile", _tls.ServerCaPath, "--cert", device.Certificate, "--key", device.Key, "-u", thing];

        await using var sub = CapturedProcess.Start("mosquitto_sub", [.. connection, "-t", Requests(thing), "-q", "1", "-C", "1", "-v"]);
        await sub.WaitForOutputAsync($"/executions/{id}/request");
        Assert.Contains("\"times\":2", sub.Output, StringComparison.Ordinal);
        var published = await ProcessRunner.RunAsync("mosquitto_pub",
            [.. connection, "-t", $"$emqx/commands/things/{thing}/executions/{id}/response", "-q", "1", "-m", "{\"status\":\"SUCCEEDED\"}"], null, TestTimeouts.Default);
        Assert.True(published.ExitCode == 0, published.StdErr);

        var (_, final) = await rest.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=10");
        Assert.Equal("SUCCEEDED", (string)final["status"]!);
    }

    [Fact]
    public async Task MqttTls_BadCertificatesAreRefusedWithTheirReasonAndTheNodeStaysUp()
    {
        var thing = GridServer.NewId("tls");
        var foreignCa = TestCertificateAuthority.Create("Someone else's CA");
        using var revokedCertificate = _tls.DeviceCa.IssueDevice(thing);
        var revoked = TestCertificateAuthority.WritePem(revokedCertificate, _tls.Folder, "revoked");
        using var listedCertificate = _tls.DeviceCa.IssueDevice(thing);
        var listed = TestCertificateAuthority.WritePem(listedCertificate, _tls.Folder, "listed");
        var crl = _tls.DeviceCa.WriteCrl(_tls.Folder, "devices", listedCertificate);
        var logs = new CapturedLogs();
        await using var server = await StartAsync(revokedSerials: [revokedCertificate.SerialNumber], crlPath: crl, logs: logs);
        using var refusals = server.Services.Collect<long>("commandgrid.device_certificates.refused");
        var url = $"mqtts://127.0.0.1:{server.MqttTlsPort}";
        var now = DateTimeOffset.UtcNow;
        var cases = new (string Reason, (string Certificate, string Key) Pem, string ClientId)[]
        {
            ("expired", _tls.Device(thing, "expired", notBefore: now.AddHours(-20), notAfter: now.AddHours(-1)), thing),
            ("untrusted", _tls.Device(thing, "foreign", foreignCa), thing),
            ("revoked", revoked, thing),
            ("revoked", listed, thing),
            ("wrong_thing", _tls.Device(thing, "other"), GridServer.NewId("other")),
        };

        foreach (var (reason, pem, clientId) in cases)
        {
            await using var client = await NodeMqttClient.StartAsync(url, _tls.MqttJsOptions(pem, clientId, version: 5));
            var error = await client.WaitForAsync("error");
            Assert.True((int?)error["code"] == 0x87, $"{reason}: {error}");
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Fields.TryGetValue("Refusal", out var r) && (string?)r == reason);
            Assert.Contains(refusals.GetMeasurementSnapshot(), m => (string?)m.Tags["reason"] == reason);
        }

        // Both revoked ones are counted: the serial in the configuration and the one in the CA's CRL.
        Assert.Equal(2, refusals.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == "revoked").Sum(m => m.Value));
        await using var good = await NodeMqttClient.StartAsync(url, _tls.MqttJsOptions(_tls.Device(thing, "good"), thing, version: 5));
        await good.WaitForAsync("connect");
        foreignCa.Dispose();
    }

    [Fact]
    public async Task MqttTls_RequireModeRefusesATokenWithoutCertificate()
    {
        await using var server = await StartAsync(mode: "Require");
        var thing = GridServer.NewId("tls");
        var token = GridServer.Token(userId: 0, actions: [5, 8], devices: [thing]);
        var port = server.MqttTlsPort.ToString(CultureInfo.InvariantCulture);

        var refused = await ProcessRunner.RunAsync("mosquitto_sub",
            ["-h", "127.0.0.1", "-p", port, "-V", "mqttv5", "--cafile", _tls.ServerCaPath, "-u", thing, "-P", token, "-t", Requests(thing), "-E"],
            null, TestTimeouts.Default);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("not authori", refused.StdErr + refused.StdOut, StringComparison.OrdinalIgnoreCase);

        var device = _tls.Device(thing, thing);
        // -E: subscribe, and exit 0 once the SUBACK grants it.
        var accepted = await ProcessRunner.RunAsync("mosquitto_sub",
            ["-h", "127.0.0.1", "-p", port, "-V", "mqttv5", "--cafile", _tls.ServerCaPath, "--cert", device.Certificate, "--key", device.Key,
             "-i", thing, "-t", Requests(thing), "-q", "1", "-E"], null, TestTimeouts.Default);
        Assert.True(accepted.ExitCode == 0, accepted.StdErr);
    }

    [Fact]
    public async Task MqttTls_ReplacedServerCertificateServesNewConnectionsAndOpenOnesStay()
    {
        await using var server = await StartAsync();
        var port = server.MqttTlsPort;
        var thing = GridServer.NewId("tls");
        var first = await TlsTestKit.ServerCertificateAsync(port);
        await using var open = await NodeMqttClient.StartAsync($"mqtts://127.0.0.1:{port}", _tls.MqttJsOptions(_tls.Device(thing, thing), thing, version: 5));
        await open.WaitForAsync("connect");

        var replacement = _tls.RotateServerCertificate();

        var second = await TlsTestKit.ServerCertificateAsync(port);
        Assert.NotEqual(first, second);
        Assert.Equal(replacement, second);
        var subscribed = await open.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");
        Assert.True(subscribed["error"] is null, subscribed.ToJsonString());
    }

    [Fact]
    public async Task AwsIotDeviceSdk_ConnectsWithItsCertificateAndAnswersACommand()
    {
        await using var server = await StartAsync();
        using var rest = server.Client();
        var thing = GridServer.NewId("aws");
        var device = _tls.Device(thing, thing);
        await rest.RegisterThingAsync(thing);
        await TestPaths.EnsureNodeModulesAsync();
        var config = System.Text.Json.JsonSerializer.Serialize(new
        {
            host = "127.0.0.1",
            port = server.MqttTlsPort,
            thing,
            caPath = _tls.ServerCaPath,
            certPath = device.Certificate,
            keyPath = device.Key,
        });
        await using var sdk = CapturedProcess.Start("node", Path.Combine(TestPaths.JsDirectory, "aws", "device.js"), config);
        await sdk.WaitForOutputAsync("\"event\":\"subscribed\"");
        Assert.Contains("\"granted\":[1]", sdk.Output, StringComparison.Ordinal);

        var created = await rest.CreateCommandAsync(new { thingId = thing, action = "reboot", ttl = 60 });
        var id = (string)created["executionId"]!;
        await sdk.WaitForOutputAsync($"\"commandId\":\"{id}\",\"error\":null");
        var (_, final) = await rest.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=10");
        Assert.Equal("SUCCEEDED", (string)final["status"]!);
        Assert.Equal("aws-iot-device-sdk", (string)final["result"]!["by"]!);
    }

    [Fact]
    public async Task MqttTls_KestrelEndpointWithACertificateServesMqttOverTls()
    {
        var endpoints = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:MqttTls:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:MqttTls:Certificate:Path"] = _tls.ServerPem.Certificate,
            ["Kestrel:Endpoints:MqttTls:Certificate:KeyPath"] = _tls.ServerPem.Key,
            ["Mqtt:Plain:Enabled"] = "false",
            ["Devices:ClientCertificates:CaPath"] = _tls.DeviceCaPath,
        };
        await using var server = await GridServer.StartAsync(endpoints: endpoints);
        var thing = GridServer.NewId("tls");
        var device = _tls.Device(thing, thing);

        var subscribed = await ProcessRunner.RunAsync("mosquitto_sub",
            ["-h", "127.0.0.1", "-p", server.MqttTlsPort.ToString(CultureInfo.InvariantCulture), "-V", "mqttv5", "--cafile", _tls.ServerCaPath,
             "--cert", device.Certificate, "--key", device.Key, "-i", thing, "-t", Requests(thing), "-q", "1", "-E"], null, TestTimeouts.Default);
        Assert.True(subscribed.ExitCode == 0, subscribed.StdErr);
        Assert.Null(server.Services.GetRequiredService<CommandGrid.Gateway.KestrelEndpoints>().MqttPort);
    }

    [Fact]
    public async Task MqttTls_ANodeWithAPortButNoCertificateSaysWhyAndExits()
    {
        using var folder = ScratchFolder.Create();
        var node = await ProcessRunner.RunAsync("dotnet",
            [CommandGrid.Tests.Cluster.GridProcess.SiloDll, "--urls", "http://127.0.0.1:0", "--Mqtt:Address=127.0.0.1", "--Mqtt:Port=0",
             $"--Cluster:SiloPort={TestPorts.Next()}", $"--Storage:ConnectionString=Data Source={folder.File("grid.db")}",
             $"--Auth:JwtSecret={GridServer.Secret}", $"--Mqtt:Tls:Port={TestPorts.Next()}"], folder.Path, TimeSpan.FromMinutes(2));
        Assert.Equal(2, node.ExitCode);
        Assert.Contains("did not start: Mqtt:Tls:Port is set, but no Mqtt:Tls:Certificate:Path names the server certificate", node.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", node.StdErr + node.StdOut, StringComparison.Ordinal);
    }
}
