using System.Text;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

/// <summary>Debian's mosquitto_pub / mosquitto_sub (libmosquitto 2.0) against the engine.</summary>
public sealed class MosquittoClientTests : IAsyncLifetime
{
    private MqttTestHost _host = null!;

    public async Task InitializeAsync() => _host = await MqttTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string[] Connection(string clientId, string version, string password = TestMqttApplication.Password) =>
        ["-h", "127.0.0.1", "-p", _host.MqttPort.ToString(), "-i", clientId, "-u", clientId, "-P", password, "-V", version];

    private static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfService qos) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QualityOfService = qos };

    [Theory]
    [InlineData("mqttv311", 1)]
    [InlineData("mqttv311", 2)]
    [InlineData("mqttv5", 1)]
    [InlineData("mqttv5", 2)]
    public async Task MosquittoSub_ReceivesServerPublish(string version, int qos)
    {
        var clientId = TestTimeouts.NewClientId("msub");
        var filter = TestMqttApplication.AllowedPrefix(clientId) + "#";
        await using var sub = CapturedProcess.Start("mosquitto_sub", [.. Connection(clientId, version), "-t", filter, "-q", qos.ToString(), "-C", "1", "-v"]);
        await _host.Application.WaitForSubscriptionAsync(clientId, filter);

        var result = await _host.Server.PublishAsync(clientId, Message(TestMqttApplication.AllowedPrefix(clientId) + "cmd", "hello mosquitto", (MqttQualityOfService)qos));
        Assert.Equal(MqttDeliveryStatus.Delivered, result.Status);
        Assert.Equal(0, await sub.WaitForExitAsync());
        Assert.Contains(TestMqttApplication.AllowedPrefix(clientId) + "cmd hello mosquitto", sub.Output, StringComparison.Ordinal);
        // No assertion on Acknowledged: with -C 1, mosquitto_sub may disconnect before its PUBACK leaves.
    }

    [Theory]
    [InlineData("mqttv311", 1)]
    [InlineData("mqttv311", 2)]
    [InlineData("mqttv5", 1)]
    [InlineData("mqttv5", 2)]
    public async Task MosquittoPub_PublishReachesHookOnce(string version, int qos)
    {
        var clientId = TestTimeouts.NewClientId("mpub");
        var topic = TestMqttApplication.AllowedPrefix(clientId) + "resp";
        var result = await ProcessRunner.RunAsync("mosquitto_pub", [.. Connection(clientId, version), "-t", topic, "-q", qos.ToString(), "-m", "reply"], null, TestTimeouts.Default);
        Assert.True(result.ExitCode == 0, result.StdErr);
        await _host.Application.WaitForMessagesAsync(clientId, 1);
        // mosquitto_pub closes its socket right after its DISCONNECT: the session still ends as the client asked, and no
        // message can arrive after it, which is what "once" needs.
        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.ClientDisconnected);
        var message = Assert.Single(_host.Application.MessagesFrom(clientId));
        Assert.Equal(topic, message.Topic);
        Assert.Equal("reply", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal((MqttQualityOfService)qos, message.QualityOfService);
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task MosquittoPub_WrongPasswordIsRefused(string version)
    {
        var clientId = TestTimeouts.NewClientId("mpub");
        var result = await ProcessRunner.RunAsync("mosquitto_pub", [.. Connection(clientId, version, "wrong"), "-t", TestMqttApplication.AllowedPrefix(clientId) + "x", "-q", "1", "-m", "m"], null, TestTimeouts.Default);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("bad user name or password", (result.StdErr + result.StdOut).ToLowerInvariant(), StringComparison.Ordinal);
        Assert.Empty(_host.Application.MessagesFrom(clientId));
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task MosquittoSub_UnauthorizedSubscribeIsRefused(string version)
    {
        var clientId = TestTimeouts.NewClientId("msub");
        // -E: exit once the SUBACK arrives; -d shows the granted codes.
        var result = await ProcessRunner.RunAsync("mosquitto_sub", [.. Connection(clientId, version), "-t", "devices/not-mine/#", "-q", "1", "-E", "-d"], null, TestTimeouts.Default);
        var output = result.StdOut + result.StdErr;
        Assert.Contains(version == "mqttv5" ? "Subscribed (mid: 1): 135" : "Subscribed (mid: 1): 128", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task MosquittoSub_PersistentSessionReceivesMessageQueuedWhileOffline(string version)
    {
        var clientId = TestTimeouts.NewClientId("msub");
        var filter = TestMqttApplication.AllowedPrefix(clientId) + "#";
        string[] persistent = version == "mqttv5" ? ["-c", "-x", "300"] : ["-c"];
        var first = await ProcessRunner.RunAsync("mosquitto_sub", [.. Connection(clientId, version), .. persistent, "-t", filter, "-q", "1", "-E"], null, TestTimeouts.Default);
        Assert.True(first.ExitCode == 0, first.StdErr);
        // Whether mosquitto_sub's -E gets its DISCONNECT onto the wire before it closes the socket is its own timing (on a
        // loaded machine the close can come first): either way the session is stored, which is what this test is about.
        await _host.Application.WaitForEndAsync(clientId);

        var queued = await _host.Server.PublishAsync(clientId, Message(TestMqttApplication.AllowedPrefix(clientId) + "cmd", "queued for you", MqttQualityOfService.AtLeastOnce));
        Assert.Equal(MqttDeliveryStatus.Queued, queued.Status);

        // Reconnect without subscribing again: the stored session's subscription delivers it.
        await using var second = CapturedProcess.Start("mosquitto_sub", [.. Connection(clientId, version), .. persistent, "-t", filter, "-q", "1", "-C", "1"]);
        Assert.Equal(0, await second.WaitForExitAsync());
        Assert.Contains("queued for you", second.Output, StringComparison.Ordinal);
    }
}
