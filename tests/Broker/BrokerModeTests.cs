using System.Net;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Mqtt.Broker;
using CommandGrid.Gateway.Mqtt.Fleets;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace CommandGrid.Tests.Broker;

/// <summary>
/// Broker mode against Debian's mosquitto: the grid's own listener is off, devices connect to
/// mosquitto only, and the grid reaches them as an MQTT client of that broker.
/// </summary>
public sealed class BrokerModeTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;
    private GridServer _server = null!;
    private HttpClient _rest = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        _server = await GridServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mqtt:Broker"] = _broker.Url,
            ["Mqtt:Enabled"] = "false",
            ["Mqtt:BrokerClientId"] = "grid-under-test",
            // Debian's mosquitto 2.0.11 does not deliver $-topics to $share subscriptions: plain subscription + partitions.
            ["Mqtt:BrokerShareGroup"] = "",
        });
        _rest = _server.Client();
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await Bridge.WaitConnectedAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private MqttBrokerBridge Bridge => _server.Services.GetRequiredService<MqttBrokerBridge>();

    private static string Requests(string thing) => $"$emqx/commands/things/{thing}/executions/+/request";

    private static string Replies(string thing) => $"$emqx/commands/things/{thing}/executions/+/response/+";

    private static string Response(string thing, string id) => $"$emqx/commands/things/{thing}/executions/{id}/response";

    /// <summary>A device on mosquitto (not on the grid), subscribed to its requests and to the grid's replies.</summary>
    private async Task<NodeMqttClient> DeviceAsync(string thing, int version, bool clean = true)
    {
        var device = await NodeMqttClient.StartAsync(_broker.Url, new
        {
            clientId = thing,
            protocolVersion = version,
            clean,
            keepalive = 30,
            properties = version == 5 && !clean ? new { sessionExpiryInterval = 300 } : null,
        });
        await device.WaitForAsync("connect");
        return device;
    }

    private static async Task SubscribeAsync(NodeMqttClient device, string thing)
    {
        var requests = await device.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");
        Assert.Null((string?)requests["error"]);
        await device.RequestAsync("subscribe", new { topic = Replies(thing), qos = 1 }, "subscribed");
    }

    private async Task<string> CreateAsync(string thing, string action, int ttl = 60)
    {
        var created = await _rest.CreateCommandAsync(new { thingId = thing, action, @params = new { value = 7 }, ttl });
        return created["executionId"]!.GetValue<string>();
    }

    private static Func<JsonObject, bool> Topic(string suffix) => m => ((string)m["topic"]!).EndsWith(suffix, StringComparison.Ordinal);

    private async Task<JsonObject> WaitFinalAsync(string id)
    {
        var (status, final) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=10");
        Assert.Equal(HttpStatusCode.OK, status);
        return final;
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Broker_CommandReachesDeviceOnMosquittoAndItsResponseEndsIt(int version)
    {
        var thing = GridServer.NewId("valve");
        await _rest.RegisterThingAsync(thing);
        await using var device = await DeviceAsync(thing, version);
        await SubscribeAsync(device, thing);

        var id = await CreateAsync(thing, "open", ttl: 30);

        var request = await device.WaitForAsync("message", Topic($"/executions/{id}/request"));
        Assert.Equal(1, (int)request["qos"]!);
        var payload = JsonNode.Parse((string)request["payload"]!)!;
        Assert.Equal(id, (string)payload["commandId"]!);
        Assert.Equal("open", (string)payload["action"]!);
        Assert.Equal(7, (int)payload["params"]!["value"]!);
        await Eventually.TrueAsync(async () => (string)(await _rest.GetCommandAsync(id))["status"]! == "SENT", TestTimeouts.Default, "the execution is SENT after the broker's PUBACK");

        await device.RequestAsync("publish", new { topic = Response(thing, id), payload = "{\"status\":\"SUCCEEDED\",\"result\":{\"open\":true}}", qos = 1 }, "published");

        var final = await WaitFinalAsync(id);
        Assert.Equal("SUCCEEDED", (string)final["status"]!);
        Assert.True((bool)final["result"]!["open"]!);
        Assert.Equal(["PENDING", "SENT", "SUCCEEDED"], final["history"]!.AsArray().Select(h => (string)h!["status"]!));
        var accepted = await device.WaitForAsync("message", Topic($"/executions/{id}/response/accepted"));
        Assert.Equal("SUCCEEDED", (string)JsonNode.Parse((string)accepted["payload"]!)!["status"]!);
        Assert.Equal(1, Bridge.ResponsesHandled);
    }

    [Fact]
    public async Task Broker_MosquittoClientsAsDeviceGetRejectedForLateResponses()
    {
        var thing = GridServer.NewId("pump");
        await _rest.RegisterThingAsync(thing);
        string[] connection = ["-h", "127.0.0.1", "-p", _broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", "mqttv5"];
        await using var requests = CapturedProcess.Start("stdbuf", ["-oL", "mosquitto_sub", .. connection, "-i", thing, "-t", Requests(thing), "-q", "1", "-C", "1", "-v", "-d"]);
        await requests.WaitForOutputAsync("SUBACK");
        await using var replies = CapturedProcess.Start("stdbuf", ["-oL", "mosquitto_sub", .. connection, "-i", thing + "-r", "-t", Replies(thing), "-q", "1", "-C", "2", "-v", "-d"]);
        await replies.WaitForOutputAsync("SUBACK");

        var id = await CreateAsync(thing, "start");
        Assert.Equal(0, await requests.WaitForExitAsync());
        Assert.Contains($"/executions/{id}/request {{\"commandId\":\"{id}\",\"action\":\"start\"", requests.Output, StringComparison.Ordinal);

        foreach (var status in new[] { "FAILED", "SUCCEEDED" })
        {
            var published = await ProcessRunner.RunAsync("mosquitto_pub",
                [.. connection, "-i", thing + "-p", "-t", Response(thing, id), "-q", "1", "-m", $"{{\"status\":\"{status}\"}}"], null, TestTimeouts.Default);
            Assert.Equal(0, published.ExitCode);
            await Eventually.TrueAsync(() => replies.Output.Contains(status == "FAILED" ? "/response/accepted" : "/response/rejected", StringComparison.Ordinal),
                TestTimeouts.Default, "the grid's reply on the broker");
        }

        Assert.Equal("FAILED", (string)(await WaitFinalAsync(id))["status"]!);
        Assert.Equal(0, await replies.WaitForExitAsync());
        Assert.Contains("TerminalStateReached", replies.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broker_PersistentDeviceSessionGetsRequestCreatedWhileOffline()
    {
        var thing = GridServer.NewId("meter");
        await _rest.RegisterThingAsync(thing);
        await using (var first = await DeviceAsync(thing, 5, clean: false))
        {
            await SubscribeAsync(first, thing);
            await first.SendAsync("end");
            await first.WaitForAsync("ended");
        }

        var id = await CreateAsync(thing, "read");
        await Eventually.TrueAsync(async () => (string)(await _rest.GetCommandAsync(id))["status"]! == "SENT", TestTimeouts.Default, "the broker took the request");

        await using var device = await DeviceAsync(thing, 5, clean: false);
        await device.WaitForAsync("message", Topic($"/executions/{id}/request"));
        await device.RequestAsync("publish", new { topic = Response(thing, id), payload = "{\"status\":\"SUCCEEDED\"}", qos = 1 }, "published");
        Assert.Equal("SUCCEEDED", (string)(await WaitFinalAsync(id))["status"]!);
    }

    [Fact]
    public async Task Broker_TwoPartitionedBridgesHandleEachRequestAndResponseOnce()
    {
        // Two gateways' bridges against the same grid and broker, each owning half of the things.
        await _server.DisposeAsync();
        _server = await GridServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mqtt:Broker"] = _broker.Url,
            ["Mqtt:Enabled"] = "false",
            ["Mqtt:BrokerShareGroup"] = "",
            ["Mqtt:BrokerPartition"] = "0/2",
        });
        _rest = _server.Client();
        await using var second = new MqttBrokerBridge(
            new MqttBrokerOptions { Broker = _broker.Url, BrokerClientId = "grid-second", BrokerShareGroup = "", BrokerPartition = "1/2" },
            _server.Services.GetRequiredService<CommandService>(),
            _server.Services.GetRequiredService<JobDocuments>(),
            _server.Services.GetRequiredService<FleetsResponseHandler>(),
            TimeSpan.FromSeconds(30),
            NullLogger.Instance);
        second.Start();
        using (var timeout = new CancellationTokenSource(TestTimeouts.Default))
        {
            await Bridge.WaitConnectedAsync(timeout.Token);
            await second.WaitConnectedAsync(timeout.Token);
        }

        var things = new List<string>();
        while (things.Count(Bridge.Owns) < 2 || things.Count(second.Owns) < 2)
        {
            var candidate = GridServer.NewId("fan");
            if (things.Count(t => Bridge.Owns(t) == Bridge.Owns(candidate)) < 2)
            {
                things.Add(candidate);
            }
        }
        Assert.All(things, t => Assert.NotEqual(Bridge.Owns(t), second.Owns(t)));
        foreach (var thing in things)
        {
            await _rest.RegisterThingAsync(thing);
        }
        // One client stands for the whole fleet (mosquitto allows anonymous wildcard subscriptions).
        await using var fleet = await NodeMqttClient.StartAsync(_broker.Url, new { clientId = "fleet", protocolVersion = 5, clean = true, keepalive = 30 });
        await fleet.WaitForAsync("connect");
        await fleet.RequestAsync("subscribe", new { topic = "$emqx/commands/things/+/executions/+/request", qos = 1 }, "subscribed");
        await fleet.RequestAsync("subscribe", new { topic = "$emqx/commands/things/+/executions/+/response/+", qos = 1 }, "subscribed");

        const int Count = 20;
        var ids = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            var thing = things[i % things.Count];
            var id = await CreateAsync(thing, "spin");
            ids.Add(id);
            await fleet.WaitForAsync("message", Topic($"/executions/{id}/request"));
            await fleet.RequestAsync("publish", new { topic = Response(thing, id), payload = "{\"status\":\"SUCCEEDED\"}", qos = 1 }, "published");
        }

        foreach (var id in ids)
        {
            Assert.Equal("SUCCEEDED", (string)(await WaitFinalAsync(id))["status"]!);
            await fleet.WaitForAsync("message", Topic($"/executions/{id}/response/accepted"));
        }
        await Eventually.TrueAsync(() => Bridge.ResponsesHandled + second.ResponsesHandled == Count, TestTimeouts.Default,
            $"every response handled once ({Bridge.ResponsesHandled} + {second.ResponsesHandled})");
        Assert.Equal(Count / 2, Bridge.ResponsesHandled);
        Assert.Equal(Count / 2, second.ResponsesHandled);
        Assert.Equal(Count / 2, Bridge.RequestsPublished);
        Assert.Equal(Count / 2, second.RequestsPublished);
        // No request went out twice, and no response was answered twice.
        Assert.DoesNotContain("/request", fleet.Describe(), StringComparison.Ordinal);
        Assert.DoesNotContain("/response/", fleet.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Broker_PartitionHashIsStableAndSplitsThings()
    {
        Assert.Equal(MqttBrokerBridge.StableHash("thermo-1"), MqttBrokerBridge.StableHash("thermo-1"));
        Assert.Equal(0x811C9DC5u, MqttBrokerBridge.StableHash(""));
        var owners = Enumerable.Range(0, 1000).Select(i => MqttBrokerBridge.StableHash($"thing-{i}") % 3).GroupBy(h => h).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, owners.Count);
        Assert.All(owners.Values, n => Assert.InRange(n, 250, 420));
    }

    [Fact]
    public async Task Broker_BridgeReconnectsAndResubscribesAfterMosquittoRestarts()
    {
        Assert.Equal(1, Bridge.ConnectionCount);
        await _broker.RestartAsync();
        await Eventually.TrueAsync(() => Bridge.ConnectionCount >= 2 && Bridge.IsConnected, TimeSpan.FromSeconds(30), "the bridge is back");

        var thing = GridServer.NewId("door");
        await _rest.RegisterThingAsync(thing);
        await using var device = await DeviceAsync(thing, 5);
        await SubscribeAsync(device, thing);
        var id = await CreateAsync(thing, "close");
        await device.WaitForAsync("message", Topic($"/executions/{id}/request"));
        await device.RequestAsync("publish", new { topic = Response(thing, id), payload = "{\"status\":\"SUCCEEDED\"}", qos = 1 }, "published");
        Assert.Equal("SUCCEEDED", (string)(await WaitFinalAsync(id))["status"]!);
        await device.WaitForAsync("message", Topic($"/executions/{id}/response/accepted"));
    }
}
