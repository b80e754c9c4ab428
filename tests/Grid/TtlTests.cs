using System.Net;
using CommandGrid.Tests.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Grid;

/// <summary>
/// A pending command nobody answers ends TIMED_OUT, never before its expiresAt, also when the node restarts
/// in between. How late TTLs fire is a measurement, not a test: bench/ttl-lateness.
/// </summary>
public sealed class TtlTests
{
    [Fact]
    public async Task Ttl_PendingCommandTimesOutNotBeforeItsExpiry()
    {
        await using var server = await GridServer.StartAsync();
        var client = server.Client();
        var thing = GridServer.NewId("thermo");
        await client.RegisterThingAsync(thing);

        var created = await client.CreateCommandAsync(new { thingId = thing, action = "setTemperature", @params = new { value = 24 }, ttl = 2 });
        Assert.Equal("PENDING", created["status"]!.GetValue<string>());
        var id = created["executionId"]!.GetValue<string>();

        var (status, final) = await client.SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=30");
        Assert.Equal(HttpStatusCode.OK, status);
        FleetsApi.AssertTimedOutUnanswered(final);
    }

    [Fact]
    public async Task Ttl_PendingCommandTimesOutAfterARestart()
    {
        var thing = GridServer.NewId("thermo");
        string id;
        using var storage = await TestStorage.CreateAsync();
        await using (var first = await GridServer.StartAsync(storage))
        {
            var client = first.Client();
            await client.RegisterThingAsync(thing);
            id = (await client.CreateCommandAsync(new { thingId = thing, action = "reboot", ttl = 3 }))["executionId"]!.GetValue<string>();
            await first.StopAsync();
        }

        // Whether the node is back before the TTL is due (its reminder fires) or after (the start-up sweep finds it
        // overdue), only the restarted node can time the command out.
        var restartedAt = FleetsApi.Now();
        await using var second = await GridServer.StartAsync(storage);
        var (_, final) = await second.Client().SendAsync(HttpMethod.Get, $"/api/v1/commands/{id}/wait?timeout=30");

        FleetsApi.AssertTimedOutUnanswered(final);
        Assert.True(FleetsApi.ReachedAt(final, "TIMED_OUT") >= restartedAt, $"TIMED_OUT before the restart at {restartedAt:O}: {final.ToJsonString()}");
    }
}
