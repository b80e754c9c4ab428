using Xunit;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Auth;
using CommandGrid.Tests.Infrastructure;
using static CommandGrid.Tests.WebSockets.WsKit;

namespace CommandGrid.Tests.WebSockets;

public sealed class WebSocketAuthTests(SharedGridServer grid) : IClassFixture<SharedGridServer>
{
    [Fact]
    public async Task ServerInfo_AnswersWithoutAuthentication()
    {
        var server = grid.Server;
        await using var client = await WsClient.ConnectAsync(server);
        var reply = await client.OkAsync(Message("server/info"));
        Assert.Equal("server/info", (string?)reply["action"]);
        Assert.NotNull((string?)reply["info"]!["apiVersion"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$", (string?)reply["info"]!["serverTimestamp"]);
    }

    [Fact]
    public async Task Authenticate_BindsTokenAndEchoesRequestId()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAsync(server);
        var request = Message("authenticate", ("token", GridServer.Token()), ("requestId", new JsonObject { ["n"] = 7 }));
        await client.SendTextAsync(request.ToJsonString());
        var reply = await client.WaitForAsync(m => (string?)m["action"] == "authenticate");
        Assert.Equal("success", (string?)reply["status"]);
        Assert.Equal(7, (int?)reply["requestId"]!["n"]);
        await client.OkAsync(Message("device/get", ("deviceId", device)));
    }

    [Fact]
    public async Task Unauthenticated_Request_Is401()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAsync(server);
        await client.ErrorAsync(Insert(device), 401);
        await client.ErrorAsync(Message("command/subscribe"), 401);
        await client.ErrorAsync(Message("device/list"), 401);
    }

    [Fact]
    public async Task Authenticate_BadToken_Is401InvalidCredentials()
    {
        var server = grid.Server;
        await using var client = await WsClient.ConnectAsync(server);
        await client.ErrorAsync(Message("authenticate", ("token", "not-a-jwt")), 401, "Invalid credentials");
        await client.ErrorAsync(Message("authenticate", ("token", GridServer.Token(secret: "another-secret-that-is-long-enough-for-hs256"))), 401, "Invalid credentials");
        await client.ErrorAsync(Message("authenticate", ("token", GridServer.Token(type: TokenPayload.Refresh))), 401, "Invalid credentials");
        await client.ErrorAsync(Message("authenticate"), 400);
    }

    [Fact]
    public async Task Authenticate_ExpiredToken_Is401TokenExpired()
    {
        var server = grid.Server;
        await using var client = await WsClient.ConnectAsync(server);
        await client.ErrorAsync(Message("authenticate", ("token", GridServer.Token(expires: DateTimeOffset.UtcNow.AddMinutes(-1)))), 401, "Token expired");
    }

    [Fact]
    public async Task BoundToken_ThatExpires_Is401TokenExpired()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        var expires = DateTimeOffset.UtcNow.AddSeconds(2);
        await using var client = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(expires: expires));
        await Eventually.TrueAsync(async () => (int?)(await client.RequestAsync(Message("device/get", ("deviceId", device))))["code"] == 401, TimeSpan.FromSeconds(10), "the bound token expired");
        await client.ErrorAsync(Message("device/get", ("deviceId", device)), 401, "Token expired");
    }

    [Fact]
    public async Task BearerHeader_OnUpgrade_AuthenticatesConnection()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var client = await WsClient.ConnectAsync(server, bearer: GridServer.Token());
        await client.OkAsync(Message("device/get", ("deviceId", device)));
    }

    [Fact]
    public async Task BearerHeader_Invalid_RefusesUpgrade()
    {
        var server = grid.Server;
        await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(server, bearer: "garbage"));
    }

    [Fact]
    public async Task TokenCreate_ReturnsPairThatWorks()
    {
        var server = grid.Server;
        var device = await RegisterDeviceAsync(server);
        await using var admin = await WsClient.ConnectAuthenticatedAsync(server);
        var reply = await admin.OkAsync(Message("token/create", ("payload", new JsonObject
        {
            ["userId"] = 5,
            ["actions"] = new JsonArray("GetDevice", 5),
            ["deviceIds"] = new JsonArray(device),
        })));
        var access = (string)reply["accessToken"]!;
        var refresh = (string)reply["refreshToken"]!;

        await using var limited = await WsClient.ConnectAuthenticatedAsync(server, access);
        await limited.OkAsync(Message("device/get", ("deviceId", device)));
        await limited.ErrorAsync(Insert(device), 403, "Access is denied");
        var other = await RegisterDeviceAsync(server);
        await limited.ErrorAsync(Message("device/get", ("deviceId", other)), 403, "Access is denied");

        var refreshed = await limited.OkAsync(Message("token/refresh", ("refreshToken", refresh)));
        await limited.OkAsync(Message("authenticate", ("token", (string)refreshed["accessToken"]!)));
        await limited.OkAsync(Message("device/get", ("deviceId", device)));
    }

    [Fact]
    public async Task TokenCreate_NeedsManageTokenAndStaysWithinCallerScope()
    {
        var server = grid.Server;
        await using var client = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(userId: 3, actions: [3, 5], devices: ["a"]));
        await client.ErrorAsync(Message("token/create", ("payload", new JsonObject { ["actions"] = new JsonArray(3) })), 403, "Access is denied");

        await using var manager = await WsClient.ConnectAuthenticatedAsync(server, GridServer.Token(userId: 3, actions: [3, 15], devices: ["a"]));
        await manager.OkAsync(Message("token/create", ("payload", new JsonObject { ["actions"] = new JsonArray(3) })));
        await manager.ErrorAsync(Message("token/create", ("payload", new JsonObject { ["actions"] = new JsonArray(7) })), 403);
        await manager.ErrorAsync(Message("token/create", ("payload", new JsonObject { ["deviceIds"] = new JsonArray("*") })), 403);
        await manager.ErrorAsync(Message("token/create", ("payload", new JsonObject { ["userId"] = 4 })), 403);
        await manager.ErrorAsync(Message("token/create", ("payload", "nope")), 400);
    }

    [Fact]
    public async Task TokenRefresh_RefusesAccessTokensAndGarbage()
    {
        var server = grid.Server;
        await using var client = await WsClient.ConnectAsync(server);
        await client.ErrorAsync(Message("token/refresh", ("refreshToken", GridServer.Token())), 401, "Invalid credentials");
        await client.ErrorAsync(Message("token/refresh", ("refreshToken", "x.y.z")), 401, "Invalid credentials");
        await client.ErrorAsync(Message("token/refresh", ("refreshToken", GridServer.Token(type: TokenPayload.Refresh, expires: DateTimeOffset.UtcNow.AddSeconds(-5)))), 401, "Token expired");
        var reply = await client.OkAsync(Message("token/refresh", ("refreshToken", GridServer.Token(type: TokenPayload.Refresh))));
        Assert.False(string.IsNullOrEmpty((string?)reply["accessToken"]));
    }
}
