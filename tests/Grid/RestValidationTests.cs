using System.Net;
using System.Net.Http.Json;
using System.Text;
using CommandGrid.Tests.Infrastructure;
using Xunit;

namespace CommandGrid.Tests.Grid;

public sealed class RestValidationTests(SharedGridServer grid) : IClassFixture<SharedGridServer>
{
    public static TheoryData<string, string, HttpStatusCode> BadBodies(string thing) => new()
    {
        { "malformed JSON", "{\"thingId\": \"" + thing + "\", \"action\": ", HttpStatusCode.BadRequest },
        { "not an object", "[1,2,3]", HttpStatusCode.BadRequest },
        { "missing thingId", "{\"action\":\"reboot\"}", HttpStatusCode.BadRequest },
        { "missing action", "{\"thingId\":\"" + thing + "\"}", HttpStatusCode.BadRequest },
        { "empty action", "{\"thingId\":\"" + thing + "\",\"action\":\"\"}", HttpStatusCode.BadRequest },
        { "thingId not a string", "{\"thingId\":42,\"action\":\"reboot\"}", HttpStatusCode.BadRequest },
        { "ttl zero", "{\"thingId\":\"" + thing + "\",\"action\":\"reboot\",\"ttl\":0}", HttpStatusCode.BadRequest },
        { "ttl negative", "{\"thingId\":\"" + thing + "\",\"action\":\"reboot\",\"ttl\":-5}", HttpStatusCode.BadRequest },
        { "ttl absurd", "{\"thingId\":\"" + thing + "\",\"action\":\"reboot\",\"ttl\":99999999999}", HttpStatusCode.BadRequest },
        { "ttl fractional", "{\"thingId\":\"" + thing + "\",\"action\":\"reboot\",\"ttl\":1.5}", HttpStatusCode.BadRequest },
        { "params array", "{\"thingId\":\"" + thing + "\",\"action\":\"reboot\",\"params\":[1]}", HttpStatusCode.BadRequest },
        { "params string", "{\"thingId\":\"" + thing + "\",\"action\":\"reboot\",\"params\":\"x\"}", HttpStatusCode.BadRequest },
        { "oversized body", "{\"thingId\":\"" + thing + "\",\"action\":\"reboot\",\"params\":{\"blob\":\"" + new string('x', 200_000) + "\"}}", HttpStatusCode.RequestEntityTooLarge },
        { "oversized params", "{\"thingId\":\"" + thing + "\",\"action\":\"reboot\",\"params\":{\"blob\":\"" + new string('x', 70_000) + "\"}}", HttpStatusCode.RequestEntityTooLarge },
    };

    [Fact]
    public async Task Create_BadInputGetsClearJsonErrorAndStoresNothing()
    {
        var server = grid.Server;
        var client = server.Client();
        var thing = GridServer.NewId("dev");
        await client.RegisterThingAsync(thing);

        foreach (var row in BadBodies(thing))
        {
            var (name, body, expected) = ((string)row[0], (string)row[1], (HttpStatusCode)row[2]);
            var (status, error) = await client.SendAsync(HttpMethod.Post, "/api/v1/commands", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(expected == status, $"{name}: expected {(int)expected}, got {(int)status}");
            Assert.False(string.IsNullOrEmpty(error["error"]?["message"]?.GetValue<string>()), $"{name}: the error says why");
            Assert.NotNull(error["error"]!["code"]);
        }

        Assert.Empty(await client.ListAllAsync($"thingId={thing}", 50));
    }

    [Fact]
    public async Task Create_ForUnknownThingIs404AndStoresNothing()
    {
        var server = grid.Server;
        var client = server.Client();
        var thing = GridServer.NewId("ghost");

        var (status, error) = await client.SendAsync(HttpMethod.Post, "/api/v1/commands", JsonContent.Create(new { thingId = thing, action = "reboot" }));
        var (tokenStatus, tokenError) = await client.SendAsync(HttpMethod.Post, "/api/v1/commands", JsonContent.Create(new { thingId = thing, action = "reboot", clientToken = "t1" }));

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(HttpStatusCode.NotFound, tokenStatus);
        Assert.Equal($"Thing {thing} is not registered", error["error"]!["message"]!.GetValue<string>());
        Assert.Equal($"Thing {thing} is not registered", tokenError["error"]!["message"]!.GetValue<string>());
        Assert.Empty(await client.ListAllAsync($"thingId={thing}", 50));
    }

    [Fact]
    public async Task Auth_BadMissingExpiredOrUnderprivilegedTokensAreRefused()
    {
        var server = grid.Server;
        var thing = GridServer.NewId("dev");
        await server.Client().RegisterThingAsync(thing);
        var body = new { thingId = thing, action = "reboot" };

        var cases = new (string Name, HttpClient Client, HttpStatusCode Expected)[]
        {
            ("no token", new HttpClient { BaseAddress = server.BaseUri }, HttpStatusCode.Unauthorized),
            ("garbage token", server.Client("not-a-jwt"), HttpStatusCode.Unauthorized),
            ("wrong secret", server.Client(GridServer.Token(secret: "another-secret-that-is-long-enough-for-hs256")), HttpStatusCode.Unauthorized),
            ("expired", server.Client(GridServer.Token(expires: DateTimeOffset.UtcNow.AddMinutes(-1))), HttpStatusCode.Unauthorized),
            ("refresh token", server.Client(GridServer.Token(type: 0)), HttpStatusCode.Unauthorized),
            ("read-only actions", server.Client(GridServer.Token(actions: [5])), HttpStatusCode.Forbidden),
            ("other devices", server.Client(GridServer.Token(devices: ["someone-else"])), HttpStatusCode.Forbidden),
        };
        foreach (var (name, client, expected) in cases)
        {
            var (status, error) = await client.SendAsync(HttpMethod.Post, "/api/v1/commands", JsonContent.Create(body));
            Assert.True(expected == status, $"{name}: expected {(int)expected}, got {(int)status}");
            Assert.NotNull(error["error"]?["message"]);
        }

        var (expiredStatus, expiredError) = await server.Client(GridServer.Token(expires: DateTimeOffset.UtcNow.AddMinutes(-1)))
            .SendAsync(HttpMethod.Get, "/api/v1/commands");
        Assert.Equal(HttpStatusCode.Unauthorized, expiredStatus);
        Assert.Equal("Token expired", expiredError["error"]!["message"]!.GetValue<string>());
        Assert.Empty(await server.Client().ListAllAsync($"thingId={thing}", 50));
    }

    [Fact]
    public async Task Get_UnknownOrMalformedIdsGetJsonErrors()
    {
        var server = grid.Server;
        var client = server.Client();

        var (missing, _) = await client.SendAsync(HttpMethod.Get, "/api/v1/commands/987654321");
        var (malformed, _) = await client.SendAsync(HttpMethod.Get, "/api/v1/commands/abc");
        var (badLimit, limitError) = await client.SendAsync(HttpMethod.Get, "/api/v1/commands?limit=abc");
        var (badCursor, _) = await client.SendAsync(HttpMethod.Get, "/api/v1/commands?cursor=%%%");
        var (badWait, _) = await client.SendAsync(HttpMethod.Get, "/api/v1/commands/1/wait?timeout=600");

        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal(HttpStatusCode.BadRequest, malformed);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit);
        Assert.NotNull(limitError["error"]);
        Assert.Equal(HttpStatusCode.BadRequest, badCursor);
        Assert.Equal(HttpStatusCode.BadRequest, badWait);
    }
}
