using CommandGrid.Tests.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Grid;

public sealed class ListingTests
{
    [Fact]
    public async Task List_PagesWithoutDuplicatesOrGapsUnderConcurrentInserts()
    {
        await using var server = await GridServer.StartAsync();
        var client = server.Client();
        var thing = GridServer.NewId("dev");
        await client.RegisterThingAsync(thing);
        var existing = new HashSet<string>();
        foreach (var chunk in Enumerable.Range(0, 60).Chunk(20))
        {
            var batch = await Task.WhenAll(chunk.Select(i => client.CreateCommandAsync(new { thingId = thing, action = $"a{i}", ttl = 600 })));
            existing.UnionWith(batch.Select(c => c["executionId"]!.GetValue<string>()));
        }

        var inserting = Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                await client.CreateCommandAsync(new { thingId = thing, action = $"late{i}", ttl = 600 });
            }
        });
        var listed = await client.ListAllAsync($"thingId={thing}", pageSize: 7);
        await inserting;

        var ids = listed.Select(c => c["executionId"]!.GetValue<string>()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Empty(existing.Except(ids));
        var created = listed.Select(c => FleetsApi.Time(c["createdAt"])).ToList();
        Assert.Equal(created.OrderByDescending(t => t), created);
    }

    [Fact]
    public async Task List_FiltersByThingActionAndStatus()
    {
        await using var server = await GridServer.StartAsync();
        var client = server.Client();
        var (a, b) = (GridServer.NewId("a"), GridServer.NewId("b"));
        await client.RegisterThingAsync(a);
        await client.RegisterThingAsync(b);
        var reboot = await client.CreateCommandAsync(new { thingId = a, action = "reboot", ttl = 60 });
        await client.CreateCommandAsync(new { thingId = a, action = "blink", ttl = 60 });
        await client.CreateCommandAsync(new { thingId = b, action = "reboot", ttl = 60 });
        var id = reboot["executionId"]!.GetValue<string>();
        await client.SendAsync(HttpMethod.Post, $"/api/v1/commands/{id}/cancel");

        Assert.Equal(2, (await client.ListAllAsync($"thingId={a}", 10)).Count);
        Assert.Equal(id, Assert.Single(await client.ListAllAsync($"thingId={a}&action=reboot", 10))["executionId"]!.GetValue<string>());
        Assert.Equal(id, Assert.Single(await client.ListAllAsync($"thingId={a}&status=CANCELED", 10))["executionId"]!.GetValue<string>());
        Assert.Equal("blink", Assert.Single(await client.ListAllAsync($"thingId={a}&status=PENDING", 10))["action"]!.GetValue<string>());
    }
}
