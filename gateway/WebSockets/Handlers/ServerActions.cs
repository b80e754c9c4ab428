using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;

namespace CommandGrid.Gateway.WebSockets.Handlers;

/// <summary>server/info: open to anyone, authenticated or not.</summary>
internal sealed class ServerActions(TimeProvider clock) : IWsActionGroup
{
    public void Register(IDictionary<string, WsActionHandler> actions) => actions["server/info"] = InfoAsync;

    private Task<JsonObject?> InfoAsync(WsCall call) => Task.FromResult<JsonObject?>(new JsonObject
    {
        ["info"] = new JsonObject
        {
            ["apiVersion"] = DeviceHiveJson.ApiVersion,
            ["serverTimestamp"] = WireTime.DeviceHive(clock.GetUtcNow()),
        },
    });
}
