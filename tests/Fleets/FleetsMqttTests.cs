using System.Net;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Grid;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Fleets;

/// <summary>
/// The Fleets command flow end to end: commands created over REST reach real MQTT clients
/// (MQTT.js, mosquitto_sub/pub) acting as devices, their answers end the execution, and the
/// creator sees the result.
/// </summary>
public sealed class FleetsMqttTests(SharedGridServer grid) : IClassFixture<SharedGridServer>, IDisposable
{
    private readonly GridServer _server = grid.Server;
    private readonly HttpClient _rest = grid.Server.Client();

    public void Dispose() => _rest.Dispose();

    private string Url => $"mqtt://127.0.0.1:{_server.MqttPort}";

    private static string Requests(string thing) => $"$emqx/commands/things/{thing}/executions/+/request";

    private static string Replies(string thing) => $"$emqx/commands/things/{thing}/executions/+/response/+";

    private static string DeviceToken(string thing) => GridServer.Token(userId: 0, actions: [5, 8], devices: [thing]);

    private Task<NodeMqttClient> DeviceAsync(string thing, int version, bool clean = true, string? clientId = null, string? password = null) =>
        NodeMqttClient.StartAsync(Url, new
        {
            clientId = clientId ?? thing,
            username = thing,
            password = password ?? DeviceToken(thing),
            protocolVersion = version,
            clean,
            keepalive = 30,
            properties = version == 5 && !clean ? new { sessionExpiryInterval = 300 } : null,
        });

    private async Task<string> CreateAsync(string thing, string action, object? parameters = null, int ttl = 60)
    {
        var created = await _rest.CreateCommandAsync(new { thingId = thing, action, @params = parameters ?? new { }, ttl });
        return created["executionId"]!.GetValue<string>();
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(4, 2)]
    [InlineData(5, 1)]
    [InlineData(5, 2)]
    public async Task MqttJs_DeviceReceivesAnswersAndCreatorSeesResult(int version, int responseQos)
    {
        var thing = GridServer.NewId("thermo");
        await using var device = await DeviceAsync(thing, version);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");
        await device.RequestAsync("subscribe", new { topic = Replies(thing), qos = 1 }, "subscribed");

        var id = await CreateAsync(thing, "setTemperature", new { value = 24 }, ttl: 30);

        var request = await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith($"/executions/{id}/request", StringComparison.Ordinal));
        Assert.Equal(1, (int)request["qos"]!);
        var payload = JsonNode.Parse((string)request["payload"]!)!;
        Assert.Equal(id, (string)payload["commandId"]!);
        Assert.Equal("setTemperature", (string)payload["action"]!);
        Assert.Equal(24, (int)payload["params"]!["value"]!);
        Assert.Equal(30, (int)payload["ttl"]!);
        await Eventually.TrueAsync(async () => (string)(await _rest.GetCommandAsync(id))["status"]! == "SENT", TimeSpan.FromSeconds(5), "the execution is SENT");

        await device.RequestAsync("publish", new
        {
            topic = $"$emqx/commands/things/{thing}/executions/{id}/response",
            payload = "{\"status\":\"SUCCEEDED\",\"result\":{\"currentTemperature\":24}}",
            qos = responseQos,
        }, "published");

        var (status, final) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=10");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("SUCCEEDED", (string)final["status"]!);
        Assert.Equal(24, (int)final["result"]!["currentTemperature"]!);
        Assert.Equal(["PENDING", "SENT", "SUCCEEDED"], final["history"]!.AsArray().Select(h => (string)h!["status"]!));
        var accepted = await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith($"/executions/{id}/response/accepted", StringComparison.Ordinal));
        Assert.Equal("SUCCEEDED", (string)JsonNode.Parse((string)accepted["payload"]!)!["status"]!);
    }

    [Fact]
    public async Task MqttJs_ThingShowsConnectedWhileItsDeviceIsSubscribedAndLastSeenAfter()
    {
        var thing = GridServer.NewId("seen");
        var connecting = FleetsApi.Now();
        var device = await DeviceAsync(thing, 5);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");
        await Eventually.TrueAsync(async () => (bool)(await _rest.SendAsync(HttpMethod.Get, $"/api/v1/things/{thing}")).Body["connected"]!,
            TimeSpan.FromSeconds(5), "the thing is reported connected");
        var listed = (await _rest.SendAsync(HttpMethod.Get, "/api/v1/things?limit=1000")).Body["items"]!.AsArray()
            .Single(t => (string)t!["thingId"]! == thing)!;
        Assert.True((bool)listed["connected"]!);

        await device.DisposeAsync();
        JsonNode after = null!;
        await Eventually.TrueAsync(async () => !(bool)(after = (await _rest.SendAsync(HttpMethod.Get, $"/api/v1/things/{thing}")).Body)["connected"]!,
            TimeSpan.FromSeconds(10), "the thing is reported offline once its device left");
        var lastSeen = FleetsApi.Time(after["lastSeen"]);
        Assert.InRange(lastSeen, connecting, FleetsApi.Now());
    }

    [Fact]
    public async Task MqttJs_LateOrMalformedResponsesAreRejectedAndChangeNothing()
    {
        var thing = GridServer.NewId("lock");
        await using var device = await DeviceAsync(thing, 5);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");
        await device.RequestAsync("subscribe", new { topic = Replies(thing), qos = 1 }, "subscribed");
        var id = await CreateAsync(thing, "unlock");
        await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/request", StringComparison.Ordinal));
        var response = $"$emqx/commands/things/{thing}/executions/{id}/response";

        await device.RequestAsync("publish", new { topic = response, payload = "not json", qos = 1 }, "published");
        var malformed = await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/rejected", StringComparison.Ordinal));
        Assert.Equal("Malformed", (string)JsonNode.Parse((string)malformed["payload"]!)!["reasonCode"]!);

        await device.RequestAsync("publish", new { topic = response, payload = "{\"status\":\"FAILED\",\"result\":{\"code\":7}}", qos = 1 }, "published");
        await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/accepted", StringComparison.Ordinal));
        await device.RequestAsync("publish", new { topic = response, payload = "{\"status\":\"SUCCEEDED\"}", qos = 1 }, "published");
        var late = await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/rejected", StringComparison.Ordinal));
        Assert.Equal("TerminalStateReached", (string)JsonNode.Parse((string)late["payload"]!)!["reasonCode"]!);

        await device.RequestAsync("publish", new { topic = $"$emqx/commands/things/{thing}/executions/999999999/response", payload = "{\"status\":\"SUCCEEDED\"}", qos = 1 }, "published");
        var unknown = await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith("/rejected", StringComparison.Ordinal));
        Assert.Equal("NotFound", (string)JsonNode.Parse((string)unknown["payload"]!)!["reasonCode"]!);

        // Another thing's execution, answered on this thing's topics, is not this thing's to change.
        var neighbour = GridServer.NewId("lock");
        await _rest.RegisterThingAsync(neighbour);
        var theirs = await CreateAsync(neighbour, "unlock");
        await device.RequestAsync("publish", new { topic = $"$emqx/commands/things/{thing}/executions/{theirs}/response", payload = "{\"status\":\"SUCCEEDED\"}", qos = 1 }, "published");
        var foreign = await device.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith($"/{theirs}/response/rejected", StringComparison.Ordinal));
        Assert.Equal("NotFound", (string)JsonNode.Parse((string)foreign["payload"]!)!["reasonCode"]!);
        Assert.Equal("PENDING", (string)(await _rest.GetCommandAsync(theirs))["status"]!);

        var stored = await _rest.GetCommandAsync(id);
        Assert.Equal("FAILED", (string)stored["status"]!);
        Assert.Equal(7, (int)stored["result"]!["code"]!);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task MqttJs_PersistentSessionGetsCommandsSentWhileOffline(int version)
    {
        var thing = GridServer.NewId("pump");
        await using (var first = await DeviceAsync(thing, version, clean: false))
        {
            await first.WaitForAsync("connect");
            await first.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");
            await first.SendAsync("end");
            await first.WaitForAsync("ended");
        }

        var id = await CreateAsync(thing, "start");

        await using var second = await DeviceAsync(thing, version, clean: false);
        var connack = await second.WaitForAsync("connect");
        Assert.True((bool)connack["sessionPresent"]!);
        var request = await second.WaitForAsync("message", m => ((string)m["topic"]!).EndsWith($"/executions/{id}/request", StringComparison.Ordinal));
        Assert.Equal(id, (string)JsonNode.Parse((string)request["payload"]!)!["commandId"]!);
        await Eventually.TrueAsync(async () => (string)(await _rest.GetCommandAsync(id))["status"]! == "SENT", TimeSpan.FromSeconds(5), "the execution is SENT once the device took it");
    }

    [Fact]
    public async Task MqttJs_DeviceThatSubscribesLaterReceivesItsPendingCommands()
    {
        var thing = GridServer.NewId("valve");
        await _rest.RegisterThingAsync(thing);
        var first = await CreateAsync(thing, "open");
        var second = await CreateAsync(thing, "close");

        await using var device = await DeviceAsync(thing, 4);
        await device.WaitForAsync("connect");
        await device.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");

        await device.WaitForAsync("message", m => ((string)m["topic"]!).Contains($"/{first}/request", StringComparison.Ordinal));
        await device.WaitForAsync("message", m => ((string)m["topic"]!).Contains($"/{second}/request", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(4, 128)]
    [InlineData(5, 135)]
    public async Task MqttJs_SubscribingOutsideItsOwnTreeIsRefusedAndConnectionStaysUp(int version, int refusal)
    {
        var thing = GridServer.NewId("cam");
        await using var device = await DeviceAsync(thing, version);
        await device.WaitForAsync("connect");

        var refused = await device.RequestAsync("subscribe", new { topic = Requests("someone-else"), qos = 1 }, "subscribed");
        Assert.Equal(refusal, (int)refused["granted"]!.AsArray()[0]!);
        var everything = await device.RequestAsync("subscribe", new { topic = "$emqx/commands/things/+/executions/+/request", qos = 1 }, "subscribed");
        Assert.Equal(refusal, (int)everything["granted"]!.AsArray()[0]!);

        await device.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");
        var id = await CreateAsync(thing, "snapshot");
        await device.WaitForAsync("message", m => ((string)m["topic"]!).Contains($"/{id}/request", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task MqttJs_BadCredentialsAreRefused(int version)
    {
        var thing = GridServer.NewId("cam");
        await using var wrongSecret = await DeviceAsync(thing, version, password: "not-a-token");
        var error = await wrongSecret.WaitForAsync("error");
        Assert.Contains(version == 4 ? "Bad username or password" : "Bad User Name or Password", (string)error["message"]!, StringComparison.OrdinalIgnoreCase);

        await using var otherThing = await DeviceAsync(thing, version, password: DeviceToken("another-thing"));
        var refused = await otherThing.WaitForAsync("error");
        Assert.Contains("authori", (string)refused["message"]!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MqttJs_SecondConnectionWithSameClientIdTakesTheSessionOver()
    {
        var thing = GridServer.NewId("door");
        await using var first = await DeviceAsync(thing, 5);
        await first.WaitForAsync("connect");
        await first.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");

        await using var second = await DeviceAsync(thing, 5);
        await second.WaitForAsync("connect");
        var kicked = await first.WaitForAsync("disconnect");
        Assert.Equal(0x8E, (int)kicked["reasonCode"]!);
        await second.RequestAsync("subscribe", new { topic = Requests(thing), qos = 1 }, "subscribed");

        var id = await CreateAsync(thing, "lock");
        await second.WaitForAsync("message", m => ((string)m["topic"]!).Contains($"/{id}/request", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task Mosquitto_DeviceReceivesAndAnswersWithDebianClients(string version)
    {
        var thing = GridServer.NewId("mosq");
        var token = DeviceToken(thing);
        string[] connection = ["-h", "127.0.0.1", "-p", _server.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", thing, "-P", token, "-V", version];
        await _rest.RegisterThingAsync(thing);
        var id = await CreateAsync(thing, "blink", new { times = 3 });

        await using var sub = CapturedProcess.Start("mosquitto_sub", [.. connection, "-i", thing, "-t", Requests(thing), "-t", Replies(thing), "-q", "1", "-C", "2", "-v"]);
        await sub.WaitForOutputAsync($"/executions/{id}/request");
        Assert.Contains("\"times\":3", sub.Output, StringComparison.Ordinal);

        var result = await ProcessRunner.RunAsync("mosquitto_pub",
            [.. connection, "-i", thing + "-pub", "-t", $"$emqx/commands/things/{thing}/executions/{id}/response", "-q", "2",
             "-m", "{\"status\":\"SUCCEEDED\",\"result\":{\"blinked\":3}}"], null, TestTimeouts.Default);
        Assert.True(result.ExitCode == 0, result.StdErr);

        var (_, final) = await _rest.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=10");
        Assert.Equal("SUCCEEDED", (string)final["status"]!);
        Assert.Equal(3, (int)final["result"]!["blinked"]!);
        // The reply reaches the thing's subscribing session, not only the client that answered.
        Assert.Equal(0, await sub.WaitForExitAsync());
        Assert.Contains($"/executions/{id}/response/accepted", sub.Output, StringComparison.Ordinal);
    }
}
