using System.Text.Json.Nodes;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.WebSockets.Subscriptions;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.WebSockets.Handlers;

/// <summary>command/subscribe, command/unsubscribe, subscription/list.</summary>
internal sealed class SubscriptionActions(CommandService commands, DeviceService devices, JobDocuments documents) : IWsActionGroup
{
    public const int DefaultReplayLimit = 100;
    public const int MaxReplayLimit = 1000;
    private const int MaxReplayPages = 50;

    public void Register(IDictionary<string, WsActionHandler> actions)
    {
        actions["command/subscribe"] = SubscribeAsync;
        actions["command/unsubscribe"] = UnsubscribeAsync;
        actions["subscription/list"] = ListAsync;
    }

    /// <summary>
    /// By deviceId (the device's own delivering connection: its pending commands come at once
    /// and each one pushed is marked SENT), by networkIds/deviceTypeIds, or — with neither —
    /// every device the token reaches. With timestamp, the commands since then come first.
    /// </summary>
    private async Task<JsonObject?> SubscribeAsync(WsCall call)
    {
        var token = call.Require(DeviceHiveAction.GetDeviceCommand);
        var request = call.Request;
        var session = call.Session;
        var deviceId = request.OptionalDeviceId();
        var networkIds = request.Longs("networkIds");
        var deviceTypeIds = request.Longs("deviceTypeIds");
        var names = request.Strings("names") is { Count: > 0 } list ? list : null;
        var filter = new SubscriptionFilter(
            deviceId,
            deviceId is null ? networkIds : null,
            deviceId is null ? deviceTypeIds : null,
            names,
            request.Time("timestamp"),
            request.Int("limit", 1, MaxReplayLimit) ?? DefaultReplayLimit,
            request.Bool("returnUpdatedCommands") ?? false);
        if (deviceId is not null)
        {
            var device = await devices.GetAsync(deviceId) ?? throw WsError.DeviceNotFound(deviceId);
            if (!token.AllowsDevice(device.Id, device.NetworkId, device.DeviceTypeId))
            {
                throw WsError.Forbidden();
            }
        }
        else if ((networkIds ?? []).Any(n => !token.AllowsNetwork(n)) || (deviceTypeIds ?? []).Any(t => !token.AllowsDeviceType(t)))
        {
            throw WsError.Forbidden();
        }
        if (session.Subscriptions.Count >= session.Options.MaxSubscriptionsPerConnection)
        {
            throw WsError.BadRequest($"A connection may hold at most {session.Options.MaxSubscriptionsPerConnection} subscriptions");
        }

        var id = SubscriptionRegistry.NextId();
        CommandSubscription subscription = deviceId is not null
            ? new DeviceSubscription(id, session, token, filter, commands, devices, documents)
            : new FeedSubscription(id, session, token, filter, commands);
        session.Subscriptions.Add(subscription);
        IReadOnlyList<CommandRecord> replay;
        try
        {
            // Listen first, then read what is stored: nothing falls between the two; duplicates are pushed once.
            await subscription.AttachAsync();
            replay = filter.Timestamp is null ? [] : await ReplayAsync(subscription);
        }
        catch
        {
            await session.Subscriptions.RemoveAsync(id);
            throw;
        }
        call.AfterReply(() =>
        {
            subscription.Open(replay);
            return Task.CompletedTask;
        });
        return new JsonObject { ["subscriptionId"] = id };
    }

    private async Task<JsonObject?> UnsubscribeAsync(WsCall call)
    {
        call.Require(DeviceHiveAction.GetDeviceCommand);
        var id = call.Request.Long("subscriptionId");
        if (id is null)
        {
            await call.Session.Subscriptions.RemoveAllAsync();
        }
        else if (!await call.Session.Subscriptions.RemoveAsync(id.Value))
        {
            throw new WsError(404, $"Subscription with id = {id} not found");
        }
        return null;
    }

    private Task<JsonObject?> ListAsync(WsCall call)
    {
        call.Require(DeviceHiveAction.GetDeviceCommand);
        var type = call.Request.String("type") ?? "command";
        if (type is not ("command" or "notification"))
        {
            throw WsError.BadRequest("type must be command or notification");
        }
        var subscriptions = type == "command" ? call.Session.Subscriptions.All : [];
        return Task.FromResult<JsonObject?>(new JsonObject
        {
            ["subscriptions"] = new JsonArray([.. subscriptions.Select(s => (JsonNode)new JsonObject
            {
                ["subscriptionId"] = s.Id,
                ["type"] = "command",
                ["deviceId"] = s.Filter.DeviceId,
                ["networkIds"] = Array(s.Filter.NetworkIds),
                ["deviceTypeIds"] = Array(s.Filter.DeviceTypeIds),
                ["names"] = s.Filter.Names is { } names ? new JsonArray([.. names.Select(n => (JsonNode)n)]) : null,
                ["returnUpdatedCommands"] = s.Filter.ReturnUpdatedCommands,
                ["timestamp"] = WireTime.DeviceHive(s.CreatedAt),
            })]),
        });
    }

    /// <summary>The stored commands since the filter's timestamp, oldest first, at most its limit: one query (paged), never polling.</summary>
    private async Task<IReadOnlyList<CommandRecord>> ReplayAsync(CommandSubscription subscription)
    {
        var filter = subscription.Filter;
        var found = new List<CommandRecord>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await commands.ListAsync(new CommandQuery(
                filter.DeviceId,
                filter.Names is [var only] ? only : null,
                From: filter.Timestamp,
                Descending: false,
                Cursor: cursor,
                Limit: MaxReplayLimit));
            found.AddRange(page.Items.Where(subscription.Matches));
            cursor = page.NextCursor;
        }
        while (cursor is not null && found.Count < filter.Limit && ++pages < MaxReplayPages);
        return [.. found.Take(filter.Limit)];
    }

    private static JsonArray? Array(IReadOnlyList<long>? ids) => ids is null ? null : new JsonArray([.. ids.Select(i => (JsonNode)i)]);
}
