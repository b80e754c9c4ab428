using System.Net;
using CommandGrid.Tests.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Grid;

[Collection(TimingCollection.Name)]
public sealed class TtlTimingTests
{
    private static readonly TimeSpan TtlTolerance = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task Ttl_FiveSecondCommandTimesOutFiveSecondsAfterCreation()
    {
        await using var server = await GridServer.StartAsync();
        var client = server.Client();
        var thing = GridServer.NewId("thermo");
        await client.RegisterThingAsync(thing);

        var created = await client.CreateCommandAsync(new { thingId = thing, action = "setTemperature", @params = new { value = 24 }, ttl = 5 });
        Assert.Equal("PENDING", created["status"]!.GetValue<string>());
        var id = created["executionId"]!.GetValue<string>();

        var (status, final) = await client.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=15");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("TIMED_OUT", final["status"]!.GetValue<string>());
        var timedOut = final["history"]!.AsArray().Single(h => h!["status"]!.GetValue<string>() == "TIMED_OUT");
        var elapsed = FleetsApi.Time(timedOut!["at"]) - FleetsApi.Time(final["createdAt"]);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(5) - TtlTolerance, TimeSpan.FromSeconds(5) + TtlTolerance);
    }

    [Fact]
    public async Task Ttl_FiresOnTimeAcrossARestart()
    {
        var thing = GridServer.NewId("thermo");
        string id;
        TestStorage storage;
        await using (var first = await GridServer.StartAsync())
        {
            storage = first.Storage;
            var client = first.Client();
            await client.RegisterThingAsync(thing);
            id = (await client.CreateCommandAsync(new { thingId = thing, action = "reboot", ttl = Ttl }))["executionId"]!.GetValue<string>();
            await first.StopAsync();
        }

        await using var second = await GridServer.StartAsync(storage);
        var restartedAt = DateTimeOffset.UtcNow;
        var (_, final) = await second.Client().SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=15");

        Assert.Equal("TIMED_OUT", final["status"]!.GetValue<string>());
        var timedOut = final["history"]!.AsArray().Single(h => h!["status"]!.GetValue<string>() == "TIMED_OUT");
        var createdAt = FleetsApi.Time(final["createdAt"]);
        // The node must be back before the TTL is due, or this would measure the restart instead of the reminder.
        Assert.True(restartedAt < createdAt.AddSeconds(Ttl) - TtlTolerance, $"the restart took until {restartedAt:O}, past the due time");
        var elapsed = FleetsApi.Time(timedOut!["at"]) - createdAt;
        Assert.InRange(elapsed, TimeSpan.FromSeconds(Ttl) - TtlTolerance, TimeSpan.FromSeconds(Ttl) + TtlTolerance);
    }

    private const int Ttl = 8;
}
