using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.WebSockets.Handlers;

/// <summary>device/save, device/get, device/list: the same registry as the REST things.</summary>
internal sealed class DeviceActions(DeviceService devices, CommandRules rules) : IWsActionGroup
{
    public void Register(IDictionary<string, WsActionHandler> actions)
    {
        actions["device/save"] = SaveAsync;
        actions["device/get"] = GetAsync;
        actions["device/list"] = ListAsync;
    }

    /// <summary>Registers or updates a device; the token must reach it before and after.</summary>
    private async Task<JsonObject?> SaveAsync(WsCall call)
    {
        var token = call.Require(DeviceHiveAction.RegisterDevice);
        var deviceId = call.Request.DeviceId();
        var body = call.Request.RequireObject("device");
        var name = WsRequest.String(Field(body, "name"), "device.name");
        if (name is not null)
        {
            rules.RequireName(name, "device.name");
        }
        var data = rules.ParametersJson(Field(body, "data"), "device.data");
        var networkId = WsRequest.Long(Field(body, "networkId"), "device.networkId");
        var deviceTypeId = WsRequest.Long(Field(body, "deviceTypeId"), "device.deviceTypeId");
        var isBlocked = WsRequest.Bool(Field(body, "isBlocked"), "device.isBlocked");
        var existing = await devices.GetAsync(deviceId);
        if ((existing is not null && !token.AllowsDevice(existing.Id, existing.NetworkId, existing.DeviceTypeId))
            || !token.AllowsDevice(deviceId, networkId ?? existing?.NetworkId, deviceTypeId ?? existing?.DeviceTypeId))
        {
            throw WsError.Forbidden();
        }
        await devices.SaveAsync(deviceId, new DeviceRegistration(name, data, networkId, deviceTypeId, isBlocked));
        return null;
    }

    private async Task<JsonObject?> GetAsync(WsCall call)
    {
        var token = call.Require(DeviceHiveAction.GetDevice);
        var deviceId = call.Request.DeviceId();
        var device = await devices.GetAsync(deviceId) ?? throw WsError.DeviceNotFound(deviceId);
        return token.AllowsDevice(device.Id, device.NetworkId, device.DeviceTypeId)
            ? new JsonObject { ["device"] = DeviceHiveJson.Device(device) }
            : throw WsError.Forbidden();
    }

    /// <summary>
    /// Devices the token reaches, by exact name, a name pattern (SQL LIKE: % any run, _ one
    /// character) or network; take/skip paging.
    /// </summary>
    private async Task<JsonObject?> ListAsync(WsCall call)
    {
        var token = call.Require(DeviceHiveAction.GetDevice);
        var request = call.Request;
        var name = request.String("name");
        var pattern = request.String("namePattern");
        var networkId = request.Long("networkId");
        var take = request.Int("take", 1, CommandActions.MaxTake) ?? CommandActions.DefaultTake;
        var skip = request.Int("skip", 0, 100_000) ?? 0;
        var like = pattern is null ? null : LikeToRegex(pattern);
        var prefix = pattern is null ? null : pattern[..IndexOfWildcard(pattern)];

        var found = new List<DeviceRecord>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await devices.ListAsync(
                new DeviceQuery(name, string.IsNullOrEmpty(prefix) ? null : prefix, networkId, cursor, CommandActions.MaxTake));
            found.AddRange(page.Items.Where(d => token.AllowsDevice(d.Id, d.NetworkId, d.DeviceTypeId) && (like is null || like.IsMatch(d.Name))));
            cursor = page.NextCursor;
        }
        while (cursor is not null && found.Count < skip + take && ++pages < 100);
        return new JsonObject { ["devices"] = new JsonArray([.. found.Skip(skip).Take(take).Select(d => (JsonNode)DeviceHiveJson.Device(d))]) };
    }

    private static int IndexOfWildcard(string pattern)
    {
        var index = pattern.IndexOfAny(['%', '_']);
        return index < 0 ? pattern.Length : index;
    }

    private static Regex LikeToRegex(string pattern) =>
        new("^" + string.Concat(pattern.Select(c => c switch
        {
            '%' => ".*",
            '_' => ".",
            _ => Regex.Escape(c.ToString()),
        })) + "$", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static JsonElement? Field(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
}
