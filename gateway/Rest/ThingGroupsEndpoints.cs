using System.Collections.Immutable;
using System.Text.Json;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Rest.OpenApi;
using CommandGrid.Gateway.Rest.Wire;
using CommandGrid.Grains.Interfaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CommandGrid.Gateway.Rest;

/// <summary>
/// Thing groups: /api/v1/thing-groups. Static groups list their members; dynamic ones match things by network,
/// device type and attributes. A group spans any things, so managing one needs a token for every device.
/// </summary>
internal static class ThingGroupsEndpoints
{
    public static RouteGroupBuilder MapThingGroups(this RouteGroupBuilder api)
    {
        // Every route here needs a token for every device (403 otherwise), so the group's 403 covers that too.
        var group = api.MapGroup("/thing-groups").WithTags("Thing groups");
        group.MapPut("/{group}", SaveAsync).RequireDeviceHiveAction(DeviceHiveAction.RegisterDevice)
            .WithSummary("Create a thing group, or update it")
            .WithDescription("201 when the group is new, 200 when it existed. With a query the group is dynamic; a group stays static or dynamic as it was created.")
            .Accepts<ThingGroupBody>(ApiDocument.Json)
            .Produces<ThingGroup>(StatusCodes.Status201Created)
            .Produces<ThingGroup>()
            .ProducesErrors(400, 413);
        group.MapGet("/{group}", GetAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDevice)
            .WithSummary("Get a thing group")
            .Produces<ThingGroup>()
            .ProducesErrors(400, 404);
        group.MapGet("/", ListAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDevice)
            .WithSummary("List thing groups")
            .Produces<Page<ThingGroup>>()
            .ProducesErrors(400);
        group.MapGet("/{group}/things", MembersAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDevice)
            .WithSummary("List a group's members")
            .WithDescription("A static group's members, or the things a dynamic group's query matches now.")
            .Produces<Page<GroupMember>>()
            .ProducesErrors(400, 404);
        group.MapPut("/{group}/things/{thingId}", AddAsync).RequireDeviceHiveAction(DeviceHiveAction.RegisterDevice)
            .WithSummary("Add a thing to a static group")
            .Produces<Thing>()
            .ProducesErrors(400, 404);
        group.MapDelete("/{group}/things/{thingId}", RemoveAsync).RequireDeviceHiveAction(DeviceHiveAction.RegisterDevice)
            .WithSummary("Remove a thing from a static group")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesErrors(400, 404);
        return group;
    }

    private static async Task<IResult> SaveAsync(HttpContext http, string group, CommandRules rules, ThingGroupService groups)
    {
        EnsureEveryDevice(http.User.DeviceHiveToken());
        rules.RequireGroupName(group);
        var body = await JsonBody.ReadObjectAsync(http.Request, rules.Limits.MaxMessageBytes);
        var description = JsonBody.String(body, "description");
        if (description is { Length: > 1024 })
        {
            throw new RequestValidationException("description is longer than 1024 characters");
        }
        var query = Query(JsonBody.Property(body, "query"));
        var existed = await groups.GetAsync(group) is not null;
        var saved = await groups.SaveAsync(group, new ThingGroupDefinition(description, query));
        return Results.Json(ThingGroup.From(saved), statusCode: existed ? 200 : 201);
    }

    private static async Task<IResult> GetAsync(HttpContext http, string group, CommandRules rules, ThingGroupService groups)
    {
        EnsureEveryDevice(http.User.DeviceHiveToken());
        rules.RequireGroupName(group);
        var found = await groups.GetAsync(group) ?? throw new GroupNotFoundException($"Thing group {group} not found");
        return Results.Json(ThingGroup.From(found));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ThingGroupService groups, int? limit, string? cursor)
    {
        EnsureEveryDevice(http.User.DeviceHiveToken());
        var page = await groups.ListAsync(cursor, Limit(limit));
        return Results.Json(new Page<ThingGroup> { Items = page.Items.Select(ThingGroup.From), NextCursor = page.NextCursor });
    }

    private static async Task<IResult> MembersAsync(HttpContext http, string group, CommandRules rules, ThingGroupService groups, int? limit, string? cursor)
    {
        EnsureEveryDevice(http.User.DeviceHiveToken());
        rules.RequireGroupName(group);
        var page = await groups.MembersAsync(group, cursor, Limit(limit));
        return Results.Json(new Page<GroupMember> { Items = page.ThingIds.Select(id => new GroupMember { ThingId = id }), NextCursor = page.NextCursor });
    }

    private static async Task<IResult> AddAsync(HttpContext http, string group, string thingId, CommandRules rules, ThingGroupService groups, DeviceService devices)
    {
        EnsureEveryDevice(http.User.DeviceHiveToken());
        rules.RequireGroupName(group);
        rules.RequireDeviceId(thingId, "thingId is not a valid thing id");
        await groups.AddThingAsync(group, thingId);
        var thing = await devices.GetAsync(thingId) ?? throw CommandsEndpoints.ThingNotRegistered(thingId);
        return Results.Json(Thing.From(thing));
    }

    private static async Task<IResult> RemoveAsync(HttpContext http, string group, string thingId, CommandRules rules, ThingGroupService groups)
    {
        EnsureEveryDevice(http.User.DeviceHiveToken());
        rules.RequireGroupName(group);
        rules.RequireDeviceId(thingId, "thingId is not a valid thing id");
        await groups.RemoveThingAsync(group, thingId);
        return Results.NoContent();
    }

    /// <summary>Groups and jobs span things a scoped token may not see: they need a token for every device, network and device type.</summary>
    internal static void EnsureEveryDevice(TokenPayload token)
    {
        if (!token.AllowsAllDevices)
        {
            throw new RequestValidationException(ApiBearerEvents.AccessDenied, 403);
        }
    }

    internal static int Limit(int? limit) =>
        limit is null ? 20 : limit is < 1 or > 1000 ? throw new RequestValidationException("limit must be between 1 and 1000") : limit.Value;

    private static ThingQuery? Query(JsonElement? value)
    {
        if (value is not { } query || query.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (query.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException("query must be an object: {\"networkId\"?, \"deviceTypeId\"?, \"attributes\"?}");
        }
        var attributes = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (JsonBody.Property(query, "attributes") is { ValueKind: not JsonValueKind.Null } wanted)
        {
            if (wanted.ValueKind != JsonValueKind.Object)
            {
                throw new RequestValidationException("query.attributes must be an object of key: value");
            }
            foreach (var attribute in wanted.EnumerateObject())
            {
                attributes[attribute.Name] = attribute.Value.ValueKind switch
                {
                    JsonValueKind.String => attribute.Value.GetString()!,
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => attribute.Value.GetRawText(),
                    _ => throw new RequestValidationException($"query.attributes.{attribute.Name} must be a string, number or boolean"),
                };
            }
        }
        return new ThingQuery(Id(query, "networkId"), Id(query, "deviceTypeId"), attributes.ToImmutable());
    }

    private static long? Id(JsonElement query, string name)
    {
        if (JsonBody.Property(query, name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var id) ? id : throw new RequestValidationException($"query.{name} must be an integer");
    }
}
