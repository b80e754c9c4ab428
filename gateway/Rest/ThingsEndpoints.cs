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

/// <summary>The thing registry: /api/v1/things (the same registry as DeviceHive's devices).</summary>
internal static class ThingsEndpoints
{
    public static RouteGroupBuilder MapThings(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/things").WithTags("Things");
        group.MapPut("/{thingId}", SaveAsync).RequireDeviceHiveAction(DeviceHiveAction.RegisterDevice)
            .WithSummary("Register a thing, or update it")
            .WithDescription("201 when the thing is new, 200 when it existed; fields left out keep their value.")
            .Accepts<ThingBody>(ApiDocument.Json)
            .Produces<Thing>(StatusCodes.Status201Created)
            .Produces<Thing>()
            .ProducesErrors(400, 413);
        group.MapGet("/{thingId}", GetAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDevice)
            .WithSummary("Get a thing, with whether it is connected now")
            .Produces<Thing>()
            .ProducesErrors(400, 404);
        group.MapGet("/", ListAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDevice)
            .WithSummary("List things")
            .WithDescription("A scoped token sees only its own things.")
            .Produces<Page<Thing>>()
            .ProducesErrors(400);
        return group;
    }

    private static async Task<IResult> SaveAsync(HttpContext http, string thingId, CommandRules rules, DeviceService devices)
    {
        var token = http.User.DeviceHiveToken();
        rules.RequireDeviceId(thingId, "thingId: letters, digits, '-', '_', '.', at most 128");
        var body = await JsonBody.ReadObjectAsync(http.Request, rules.Limits.MaxMessageBytes);
        var name = JsonBody.String(body, "name");
        if (name is not null)
        {
            rules.RequireName(name, "name");
        }
        var attributes = rules.ParametersJson(JsonBody.Property(body, "attributes"), "attributes");
        var networkId = OptionalLong(body, "networkId");
        var deviceTypeId = OptionalLong(body, "deviceTypeId");
        CommandsEndpoints.EnsureDevice(token, thingId, networkId, deviceTypeId);
        var existed = await devices.GetAsync(thingId) is not null;
        var saved = await devices.SaveAsync(thingId, new DeviceRegistration(name, attributes, networkId, deviceTypeId, null));
        return Results.Json(Thing.From(saved), statusCode: existed ? 200 : 201);
    }

    private static async Task<IResult> GetAsync(HttpContext http, string thingId, CommandRules rules, DeviceService devices)
    {
        var token = http.User.DeviceHiveToken();
        rules.RequireDeviceId(thingId, "thingId is not a valid thing id");
        var device = await devices.GetAsync(thingId) ?? throw CommandsEndpoints.ThingNotRegistered(thingId);
        CommandsEndpoints.EnsureDevice(token, device.Id, device.NetworkId, device.DeviceTypeId);
        return Results.Json(Thing.From(device));
    }

    private static async Task<IResult> ListAsync(HttpContext http, DeviceService devices, int? limit, string? cursor)
    {
        var token = http.User.DeviceHiveToken();
        if (limit is < 1 or > 1000)
        {
            throw new RequestValidationException("limit must be between 1 and 1000");
        }
        var page = await devices.ListAsync(new DeviceQuery(Cursor: cursor, Limit: limit ?? 20));
        var visible = page.Items.Where(d => token.AllowsDevice(d.Id, d.NetworkId, d.DeviceTypeId)).ToList();
        // The table knows the registry; whether a thing is connected right now only its grain knows.
        var live = await Task.WhenAll(visible.Select(d => devices.GetAsync(d.Id)));
        var items = visible.Select((d, i) => Thing.From(live[i] ?? d));
        return Results.Json(new Page<Thing> { Items = items, NextCursor = page.NextCursor });
    }

    private static long? OptionalLong(JsonElement body, string name)
    {
        if (JsonBody.Property(body, name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new RequestValidationException($"{name} must be an integer");
    }
}
