using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;

namespace CommandGrid.Gateway.WebSockets.Handlers;

/// <summary>authenticate, token/create, token/refresh.</summary>
internal sealed class AuthActions(TokenService tokens, TimeProvider clock) : IWsActionGroup
{
    public void Register(IDictionary<string, WsActionHandler> actions)
    {
        actions["authenticate"] = AuthenticateAsync;
        actions["token/create"] = CreateAsync;
        actions["token/refresh"] = RefreshAsync;
    }

    /// <summary>Binds an access token to the connection; later requests are checked against it.</summary>
    private Task<JsonObject?> AuthenticateAsync(WsCall call)
    {
        var token = call.Request.String("token") ?? throw WsError.BadRequest("token is required");
        var result = tokens.Validate(token);
        if (!result.IsValid)
        {
            throw WsError.Unauthorized(result.Error!);
        }
        call.Session.Token = result.Payload;
        return Task.FromResult<JsonObject?>(null);
    }

    /// <summary>
    /// A new access/refresh pair (ManageToken). Another user's token needs the "*" action; the
    /// new token never reaches further than the caller's own: its actions and scopes must be
    /// within the caller's, and absent scopes inherit the caller's.
    /// </summary>
    private Task<JsonObject?> CreateAsync(WsCall call)
    {
        var caller = call.Require(DeviceHiveAction.ManageToken);
        var body = call.Request.RequireObject("payload");
        var userId = WsRequest.Long(Field(body, "userId", "u"), "payload.userId") ?? caller.UserId;
        if (userId != caller.UserId && !caller.Allows(DeviceHiveAction.Any))
        {
            throw WsError.Forbidden();
        }
        var actions = Actions(Field(body, "actions", "a")) ?? [.. caller.Actions];
        if (actions.Any(a => !caller.Allows((DeviceHiveAction)a)))
        {
            throw WsError.Forbidden();
        }
        var payload = new TokenPayload(
            userId,
            actions,
            Narrow(caller.NetworkIds, Ids(Field(body, "networkIds", "n"), "payload.networkIds")),
            Narrow(caller.DeviceTypeIds, Ids(Field(body, "deviceTypeIds", "dt"), "payload.deviceTypeIds")),
            Narrow(caller.DeviceIds, Ids(Field(body, "deviceIds", "d"), "payload.deviceIds")),
            Expiration(Field(body, "expiration", "e")),
            TokenPayload.Access);
        var (access, refresh) = tokens.CreatePair(payload);
        return Task.FromResult<JsonObject?>(new JsonObject { ["accessToken"] = access, ["refreshToken"] = refresh });
    }

    private Task<JsonObject?> RefreshAsync(WsCall call)
    {
        var refreshToken = call.Request.String("refreshToken") ?? throw WsError.BadRequest("refreshToken is required");
        var result = tokens.Validate(refreshToken, TokenPayload.Refresh);
        if (!result.IsValid)
        {
            throw WsError.Unauthorized(result.Error!);
        }
        var (access, _) = tokens.CreatePair(result.Payload! with { Expiration = null });
        return Task.FromResult<JsonObject?>(new JsonObject { ["accessToken"] = access });
    }

    private static JsonElement? Field(JsonElement body, string name, string shortName) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value
        : body.TryGetProperty(shortName, out value) && value.ValueKind != JsonValueKind.Null ? value
        : null;

    /// <summary>Action ids, or their names ("GetDevice", "*").</summary>
    private static List<int>? Actions(JsonElement? value)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Value.ValueKind != JsonValueKind.Array)
        {
            throw WsError.BadRequest("payload.actions must be an array");
        }
        var actions = new List<int>();
        foreach (var item in value.Value.EnumerateArray())
        {
            int? action = item.ValueKind switch
            {
                JsonValueKind.Number when item.TryGetInt32(out var n) && Enum.IsDefined((DeviceHiveAction)n) => n,
                JsonValueKind.String when item.GetString() == "*" => 0,
                JsonValueKind.String when Enum.TryParse<DeviceHiveAction>(item.GetString(), ignoreCase: true, out var a)
                    && !int.TryParse(item.GetString(), out _) => (int)a,
                _ => null,
            };
            actions.Add(action ?? throw WsError.BadRequest($"payload.actions: unknown action {item.GetRawText()}"));
        }
        return actions;
    }

    private static List<string>? Ids(JsonElement? value, string name)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Value.ValueKind != JsonValueKind.Array)
        {
            throw WsError.BadRequest($"{name} must be an array");
        }
        return [.. value.Value.EnumerateArray().Select(item => item.ValueKind switch
        {
            JsonValueKind.String => item.GetString()!,
            JsonValueKind.Number when item.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
            _ => throw WsError.BadRequest($"{name} must hold ids or \"*\""),
        })];
    }

    /// <summary>The requested scope, which must lie within the caller's; absent inherits the caller's.</summary>
    private static IReadOnlyList<string>? Narrow(IReadOnlyList<string>? caller, List<string>? requested)
    {
        var callerAll = caller is null || caller.Contains("*");
        if (requested is null)
        {
            return caller;
        }
        if (!callerAll && requested.Any(id => id == "*" || !caller!.Contains(id)))
        {
            throw WsError.Forbidden();
        }
        return requested;
    }

    private long? Expiration(JsonElement? value)
    {
        if (value is null)
        {
            return null;
        }
        long ms = value.Value.ValueKind switch
        {
            JsonValueKind.Number when value.Value.TryGetInt64(out var n) => n,
            JsonValueKind.String when WireTime.TryParse(value.Value.GetString(), out var time) => time.ToUnixTimeMilliseconds(),
            _ => throw WsError.BadRequest("payload.expiration must be a datetime or milliseconds since 1970"),
        };
        return ms > clock.GetUtcNow().ToUnixTimeMilliseconds() ? ms : throw WsError.BadRequest("payload.expiration must be in the future");
    }
}
