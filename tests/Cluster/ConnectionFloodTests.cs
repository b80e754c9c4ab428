using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Hosting;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Cluster;

/// <summary>
/// A node under a descriptor limit (prlimit) flooded with more MQTT connections than it may hold: it refuses the excess
/// (CONNACK 0x97; past Kestrel's limit a connection waits in the backlog) instead of running out of descriptors, counts and
/// reports the refusals, and keeps serving REST and the devices it holds; a device that comes afterwards is served.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class ConnectionFloodTests(ITestOutputHelper output)
{
    private const int HardLimit = 1024;
    // ConnectionLimits.Derive for 1024 descriptors: 1024 less 512 + 1024/20 kept in reserve, less 128 kept for HTTP.
    private const int TotalLimit = 461;
    private const int MqttLimit = 333;
    private const int Flood = 1000;
    private const int Waves = 3;
    private const string DeviceSecret = "flood-device-secret";

    [Fact]
    public async Task Node_MqttFloodPastTheDescriptorLimitIsRefusedAndTheNodeKeepsServing()
    {
        // The flood's own sockets need descriptors in this process too.
        DescriptorLimit.RaiseSoftToHard();
        using var folder = ScratchFolder.Create();
        var http = GridProcess.FreePort();
        var mqtt = GridProcess.FreePort();
        var arguments = new List<string>
        {
            $"--Storage:ConnectionString=Data Source={folder.File("grid.db")}",
            $"--urls=http://127.0.0.1:{http}",
            $"--Cluster:SiloPort={GridProcess.FreePort()}",
            "--Mqtt:Address=127.0.0.1",
            $"--Mqtt:Port={mqtt}",
            $"--Mqtt:DeviceSecret={DeviceSecret}",
            $"--Auth:JwtSecret={GridServer.Secret}",
            // A line per connection would be the flood's own log storm; the refusals log a line per interval.
            "--Logging:LogLevel:CommandGrid.Mqtt.Server=Warning",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:CommandGrid.Gateway.Hosting=Information",
        };
        await using var node = GridProcess.Start("flooded", GridProcess.SiloDll, arguments, http, mqtt, folder.Path,
            launcher: ["prlimit", $"--nofile={HardLimit}:{HardLimit}"]);
        var passed = false;
        var held = new List<RawMqttClient>();
        try
        {
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await Eventually.TrueAsync(() => node.HealthyAsync(probe), TimeSpan.FromSeconds(90), "the node answers /health");
            Assert.True(node.Logged($"connections: at most {TotalLimit} in all, {MqttLimit} over MQTT"), node.Tail(40));
            using var rest = ProcessCluster.ClientOn(node);

            var tally = new Dictionary<string, int>();
            for (var wave = 0; wave < Waves; wave++)
            {
                // Every wave asks for all it lacks, as devices that retry after a refusal do.
                var outcomes = await Task.WhenAll(Enumerable.Range(0, Flood - held.Count).Select(i => ConnectAsync(mqtt, $"flood-{wave}-{i}")));
                foreach (var (outcome, client) in outcomes)
                {
                    tally[outcome] = tally.GetValueOrDefault(outcome) + 1;
                    if (client is not null)
                    {
                        held.Add(client);
                    }
                }
                output.WriteLine($"wave {wave}: {string.Join(", ", outcomes.GroupBy(o => o.Outcome).Select(g => $"{g.Key} {g.Count()}"))}; holding {held.Count}");
                Assert.True(node.IsRunning, "the node died under the flood:\n" + node.Tail(60));
            }
            Assert.InRange(held.Count, 1, MqttLimit);
            Assert.True(tally.GetValueOrDefault("QuotaExceeded") > 0, "no CONNECT was refused with 0x97: " + string.Join(", ", tally));

            // Full, and saying so: /health is degraded by its "connections" check, /metrics counts the refusals.
            using var health = await probe.GetAsync(new Uri(node.BaseUri, "/health"));
            var report = await health.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Equal("Degraded", (string?)JsonNode.Parse(report)!["checks"]?["connections"]?["status"]);
            var metrics = await probe.GetStringAsync(new Uri(node.BaseUri, "/metrics"));
            var refusedLine = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("commandgrid_refusals", StringComparison.Ordinal) && l.Contains("QuotaExceeded", StringComparison.Ordinal));
            Assert.True(refusedLine is not null, "no QuotaExceeded refusal on /metrics");
            Assert.True(node.Logged("MQTT connection limit reached"), node.Tail(40));

            // REST keeps working while MQTT is full.
            var thing = GridServer.NewId("late");
            await rest.RegisterThingAsync(thing);

            // The flood leaves; a device that comes afterwards gets its command and answers it.
            await DisposeAllAsync(held);
            RawMqttClient? device = null;
            await Eventually.TrueAsync(async () =>
            {
                var client = await RawMqttClient.OpenAsync(mqtt);
                var answer = await client.ConnectRawAsync(thing, password: DeviceSecret);
                if (answer.ReasonCode == MqttReasonCode.Success)
                {
                    device = client;
                    return true;
                }
                await client.DisposeAsync();
                return false;
            }, TimeSpan.FromSeconds(60), "a new device is accepted once the flood has left");
            await using (device)
            {
                Assert.Equal(MqttReasonCode.GrantedQoS1, (await device!.SubscribeAsync(1, $"$emqx/commands/things/{thing}/executions/+/request")).ReasonCodes[0]);
                var created = await rest.CreateCommandAsync(new { thingId = thing, action = "ping", ttl = 60 });
                var id = (string)created["executionId"]!;
                var request = await device.ReceiveAsync<MqttPublishPacket>(TimeSpan.FromSeconds(30));
                Assert.Equal($"$emqx/commands/things/{thing}/executions/{id}/request", request.Topic);
                await device.SendAsync(new MqttPublishPacket
                {
                    Topic = $"$emqx/commands/things/{thing}/executions/{id}/response",
                    QualityOfService = MqttQualityOfService.AtLeastOnce,
                    PacketId = 7,
                    Payload = Encoding.UTF8.GetBytes("""{"status":"SUCCEEDED"}"""),
                });
                var (_, final) = await rest.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=30");
                Assert.Equal("SUCCEEDED", (string?)final["status"]);
            }
            Assert.True(node.IsRunning);
            passed = true;
        }
        finally
        {
            await DisposeAllAsync(held);
            if (!passed)
            {
                folder.Keep();
                output.WriteLine($"===== node log {node.LogPath} (kept)");
                output.WriteLine(node.Tail(200));
            }
        }
    }

    /// <summary>One flooding device: a TCP connection and a 5.0 CONNECT; the client is kept when it was accepted.</summary>
    private static async Task<(string Outcome, RawMqttClient? Client)> ConnectAsync(int port, string clientId)
    {
        RawMqttClient? client = null;
        try
        {
            client = await RawMqttClient.OpenAsync(port);
            await client.SendAsync(new MqttConnectPacket
            {
                ProtocolVersion = MqttProtocolVersion.V500,
                ClientId = clientId,
                CleanStart = true,
                KeepAliveSeconds = 300,
                UserName = clientId,
                Password = Encoding.UTF8.GetBytes(DeviceSecret),
                Properties = MqttProperties.Empty,
            });
            var answer = await client.ReceiveOrCloseAsync(TimeSpan.FromSeconds(60));
            if (answer is MqttConnAckPacket { ReasonCode: MqttReasonCode.Success })
            {
                return ("accepted", client);
            }
            await client.DisposeAsync();
            return (answer is MqttConnAckPacket refused ? refused.ReasonCode.ToString() : "closed", null);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
            return (e is SocketException s ? s.SocketErrorCode.ToString() : e.GetType().Name, null);
        }
    }

    private static async Task DisposeAllAsync(List<RawMqttClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
        clients.Clear();
    }
}
