using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace CommandGrid.Tests.Mqtt;

/// <summary>
/// The server's deadlines (keep-alive and CONNECT) over a real socket, on a fake clock: the test moves time,
/// so a slow machine cannot make a live client look silent.
/// </summary>
public sealed class KeepAliveTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private MqttTestHost _host = null!;

    public async Task InitializeAsync() => _host = await MqttTestHost.StartAsync(o => o.ConnectTimeoutSeconds = 5, time: _time);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task KeepAlive_SilentClientIsClosedOnlyAfterOneAndAHalfKeepAlives(MqttProtocolVersion version)
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, version, keepAlive: 2);

        var (packets, advanced) = await AdvanceUntilClosedAsync(client);

        Assert.True(advanced >= TimeSpan.FromSeconds(3), $"closed after {advanced} of fake time; keep-alive 2 s allows 3 s");
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttReasonCode.KeepAliveTimeout, Assert.IsType<MqttDisconnectPacket>(Assert.Single(packets)).ReasonCode);
        }
        else
        {
            Assert.Empty(packets);
        }

        await _host.Application.WaitForEndAsync(clientId, MqttSessionEndReason.KeepAliveTimeout);
    }

    [Fact]
    public async Task KeepAlive_PingingClientStaysConnectedLongPastItsKeepAlive()
    {
        var clientId = TestTimeouts.NewClientId();
        await using var client = await RawMqttClient.ConnectAsync(_host.MqttPort, clientId, keepAlive: 2);

        // Ten keep-alive periods, with a ping inside every window of 3 s.
        for (var i = 0; i < 10; i++)
        {
            await client.PingAsync();
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        await client.PingAsync();
        Assert.DoesNotContain(_host.Application.Ended, e => e.Session.ClientId == clientId);
    }

    [Fact]
    public async Task Connect_ConnectionThatNeverSendsConnectIsClosedAfterConnectTimeout()
    {
        await using var client = await RawMqttClient.OpenAsync(_host.MqttPort);

        var (packets, advanced) = await AdvanceUntilClosedAsync(client);

        Assert.True(advanced >= TimeSpan.FromSeconds(5), $"closed after {advanced} of fake time; the CONNECT timeout is 5 s");
        Assert.Empty(packets);
    }

    /// <summary>
    /// Moves the server's clock a second at a time until it closes the connection. The server may arm its deadline
    /// just after the test moved time (it re-arms after each packet it handled), so the test cannot know which step
    /// closes it, only that the total has passed the deadline.
    /// </summary>
    private async Task<(IReadOnlyList<MqttPacket> Packets, TimeSpan Advanced)> AdvanceUntilClosedAsync(RawMqttClient client)
    {
        var closed = client.ReadUntilClosedAsync();
        var advanced = TimeSpan.Zero;
        for (var step = 0; step < 120 && !closed.IsCompleted; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            await Task.WhenAny(closed, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }

        Assert.True(closed.IsCompleted, $"the connection was still open after {advanced} of fake time");
        return (await closed, advanced);
    }
}
