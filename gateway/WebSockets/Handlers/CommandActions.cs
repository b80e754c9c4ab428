using System.Text.Json;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Metrics;

namespace CommandGrid.Gateway.WebSockets.Handlers;

/// <summary>command/insert, command/update, command/get, command/list.</summary>
internal sealed class CommandActions(CommandService commands, DeviceService devices, CommandRules rules, GridMetrics metrics) : IWsActionGroup
{
    public const int DefaultTake = 20;
    public const int MaxTake = 1000;

    public void Register(IDictionary<string, WsActionHandler> actions)
    {
        actions["command/insert"] = InsertAsync;
        actions["command/update"] = UpdateAsync;
        actions["command/get"] = GetAsync;
        actions["command/list"] = ListAsync;
    }

    /// <summary>Seed 002. The reply carries id, timestamp, lastUpdated and userId; this connection then hears of every update (seed 000).</summary>
    private async Task<JsonObject?> InsertAsync(WsCall call)
    {
        var token = call.Require(DeviceHiveAction.CreateDeviceCommand);
        var request = call.Request;
        var deviceId = request.DeviceId();
        var body = request.RequireObject("command");
        var name = rules.RequireName(WsRequest.String(Field(body, "command"), "command.command"), "command.command");
        var timestamp = WsRequest.Time(Field(body, "timestamp"), "command.timestamp");
        var parameters = rules.ParametersJson(Field(body, "parameters"), "command.parameters");
        var lifetime = rules.Lifetime(Field(body, "lifetime"), "command.lifetime");
        var status = WsRequest.String(Field(body, "status"), "command.status");
        var result = rules.ResultJson(Field(body, "result"));
        await RequireScopedDeviceAsync(token, deviceId);
        var created = await commands.CreateAsync(new CreateCommandRequest(deviceId, name, parameters, timestamp, lifetime, status, result, token.UserId));
        metrics.CommandCreated(GridMetrics.WebSocketDoor);
        call.AfterReply(() => call.Session.Creator.WatchAsync(created));
        return new JsonObject { ["command"] = DeviceHiveJson.Inserted(created) };
    }

    /// <summary>Seed 001: a device reports status and/or result. A final command never changes again (409).</summary>
    private async Task<JsonObject?> UpdateAsync(WsCall call)
    {
        var token = call.Require(DeviceHiveAction.UpdateDeviceCommand);
        var request = call.Request;
        var deviceId = request.DeviceId();
        var commandId = request.CommandId();
        var body = request.RequireObject("command");
        var status = WsRequest.String(Field(body, "status"), "command.status");
        if (status is not null && (string.IsNullOrWhiteSpace(status) || status.Length > rules.Limits.MaxNameLength))
        {
            throw WsError.BadRequest($"command.status must be 1 to {rules.Limits.MaxNameLength} characters");
        }
        var result = rules.ResultJson(Field(body, "result"));
        await RequireDeviceAsync(token, deviceId);
        await commands.UpdateAsync(commandId, new CommandUpdate(status, result, null, $"websocket:user:{token.UserId}", deviceId));
        return null;
    }

    private async Task<JsonObject?> GetAsync(WsCall call)
    {
        var token = call.Require(DeviceHiveAction.GetDeviceCommand);
        var deviceId = call.Request.DeviceId();
        var commandId = call.Request.CommandId();
        await RequireDeviceAsync(token, deviceId);
        var command = await RequireCommandAsync(deviceId, commandId);
        return new JsonObject { ["command"] = DeviceHiveJson.Command(command) };
    }

    /// <summary>One device's commands, filtered by time, name and status; sorted by timestamp; take/skip paging.</summary>
    private async Task<JsonObject?> ListAsync(WsCall call)
    {
        var token = call.Require(DeviceHiveAction.GetDeviceCommand);
        var request = call.Request;
        var deviceId = request.DeviceId();
        var start = request.Time("start");
        var end = request.Time("end");
        var name = request.String("command");
        var status = request.String("status");
        var sortField = request.String("sortField");
        if (sortField is not null && !sortField.Equals("timestamp", StringComparison.OrdinalIgnoreCase) && !sortField.Equals("id", StringComparison.OrdinalIgnoreCase))
        {
            throw WsError.BadRequest("sortField must be timestamp or id");
        }
        var descending = request.String("sortOrder")?.ToUpperInvariant() switch
        {
            null or "ASC" => false,
            "DESC" => true,
            _ => throw WsError.BadRequest("sortOrder must be ASC or DESC"),
        };
        var take = request.Int("take", 1, MaxTake) ?? DefaultTake;
        var skip = request.Int("skip", 0, 100_000) ?? 0;
        await RequireDeviceAsync(token, deviceId);

        var found = new List<CommandRecord>();
        string? cursor = null;
        do
        {
            var page = await commands.ListAsync(new CommandQuery(deviceId, name, status is null ? null : CommandStatus.Normalize(status),
                start, end, descending, cursor, Math.Min(MaxTake, skip + take - found.Count)));
            found.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && found.Count < skip + take);
        return new JsonObject { ["commands"] = new JsonArray([.. found.Skip(skip).Take(take).Select(c => (JsonNode)DeviceHiveJson.Command(c))]) };
    }

    private async Task<DeviceRecord> RequireDeviceAsync(TokenPayload token, string deviceId)
    {
        var device = await devices.GetAsync(deviceId) ?? throw WsError.DeviceNotFound(deviceId);
        return token.AllowsDevice(device.Id, device.NetworkId, device.DeviceTypeId) ? device : throw WsError.Forbidden();
    }

    /// <summary>
    /// Before a create, which finds an unregistered device itself (with the same 404), only a token limited to some
    /// devices needs the device read: for its network and type.
    /// </summary>
    private Task RequireScopedDeviceAsync(TokenPayload token, string deviceId) =>
        token.AllowsAllDevices ? Task.CompletedTask : RequireDeviceAsync(token, deviceId);

    private async Task<CommandRecord> RequireCommandAsync(string deviceId, long commandId)
    {
        var command = await commands.GetAsync(commandId);
        return command is not null && command.DeviceId == deviceId ? command : throw WsError.CommandNotFound(commandId);
    }

    private static JsonElement? Field(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
}
