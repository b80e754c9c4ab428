using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Rest.OpenApi;
using CommandGrid.Gateway.Rest.Wire;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CommandGrid.Gateway.Rest;

/// <summary>The Fleets command API: /api/v1/commands.</summary>
internal static class CommandsEndpoints
{
    public static RouteGroupBuilder MapCommands(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/commands").WithTags("Commands");
        group.MapPost("/", CreateAsync).RequireDeviceHiveAction(DeviceHiveAction.CreateDeviceCommand)
            .WithSummary("Send a command to a thing")
            .WithDescription("Creates an execution (PENDING) and delivers it to the thing over MQTT or WebSocket. A clientToken makes a retry return the same execution.")
            .Accepts<CreateCommandBody>(ApiDocument.Json)
            .Produces<Execution>(StatusCodes.Status201Created)
            .ProducesErrors(400, 404, 409, 413);
        group.MapGet("/", ListAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand)
            .WithSummary("List executions, newest first")
            .WithDescription("Filters combine; a scoped token sees only its own things' executions.")
            .Produces<Page<Execution>>()
            .ProducesErrors(400);
        group.MapGet("/{executionId}", GetAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand)
            .WithSummary("Get an execution with its history")
            .Produces<Execution>()
            .ProducesErrors(400, 404);
        group.MapPost("/{executionId}/cancel", CancelAsync).RequireDeviceHiveAction(DeviceHiveAction.CreateDeviceCommand)
            .WithSummary("Cancel an execution that is not final yet")
            .Produces<Execution>()
            .ProducesErrors(400, 404, 409);
        group.MapGet("/{executionId}/wait", WaitAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand)
            .WithSummary("Wait until an execution is final, or the timeout passes")
            .WithDescription("Answers at once for a final execution, else when it becomes final or after timeout seconds (30 by default), with the execution as it is then.")
            .Produces<Execution>()
            .ProducesErrors(400, 404);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, CommandRules rules, CommandService commands, DeviceService devices, GridMetrics metrics)
    {
        var token = http.User.DeviceHiveToken();
        var body = await JsonBody.ReadObjectAsync(http.Request, rules.Limits.MaxMessageBytes);
        var thingId = rules.RequireDeviceId(JsonBody.String(body, "thingId"), "thingId is required: letters, digits, '-', '_', '.', at most 128");
        var action = rules.RequireName(JsonBody.String(body, "action"), "action");
        var parameters = rules.ParametersJson(JsonBody.Property(body, "params"), "params");
        var ttl = rules.Lifetime(JsonBody.Property(body, "ttl"), "ttl");
        var clientToken = JsonBody.String(body, "clientToken");
        if (clientToken is { Length: > 64 })
        {
            throw new RequestValidationException("clientToken is longer than 64 characters");
        }
        if (!token.AllowsAllDevices)
        {
            // Only a token limited to some devices needs the thing's network and type before the create.
            var device = await devices.GetAsync(thingId) ?? throw ThingNotRegistered(thingId);
            EnsureDevice(token, device.Id, device.NetworkId, device.DeviceTypeId);
        }
        var request = new CreateCommandRequest(thingId, action, parameters, null, ttl, null, null, token.UserId, clientToken,
            Fingerprint(thingId, action, parameters, ttl));
        CommandRecord created;
        try
        {
            created = await commands.CreateAsync(request);
        }
        catch (DeviceNotFoundException)
        {
            // The device grain refuses a create for a thing never registered; this door words it in Fleets' terms.
            throw ThingNotRegistered(thingId);
        }
        metrics.CommandCreated(GridMetrics.RestDoor);
        return Results.Json(Execution.From(created, withHistory: false), statusCode: 201);
    }

    private static async Task<IResult> GetAsync(HttpContext http, string executionId, CommandService commands)
    {
        var token = http.User.DeviceHiveToken();
        var command = await FindAsync(token, executionId, commands);
        return Results.Json(Execution.From(command, withHistory: true));
    }

    private static async Task<IResult> ListAsync(HttpContext http, CommandService commands, CommandRules rules, string? thingId, string? action, string? status, string? jobId, int? limit, string? cursor)
    {
        var token = http.User.DeviceHiveToken();
        if (limit is < 1 or > 1000)
        {
            throw new RequestValidationException("limit must be between 1 and 1000");
        }
        if (thingId is not null)
        {
            rules.RequireDeviceId(thingId, "thingId is not a valid thing id");
        }
        status = status?.ToUpperInvariant();
        if (status is not null && !CommandStatus.Known.Contains(status))
        {
            throw new RequestValidationException($"status must be one of {string.Join(", ", CommandStatus.Known)}");
        }
        if (jobId is not null)
        {
            rules.RequireJobId(jobId);
        }
        var page = await commands.ListAsync(new CommandQuery(thingId, action, status, Descending: true, Cursor: cursor, Limit: limit ?? 20, JobId: jobId));
        var items = page.Items.Where(c => token.AllowsDevice(c.DeviceId, c.NetworkId, c.DeviceTypeId))
            .Select(c => Execution.From(c, withHistory: false));
        return Results.Json(new Page<Execution> { Items = items, NextCursor = page.NextCursor });
    }

    private static async Task<IResult> CancelAsync(HttpContext http, string executionId, CommandService commands)
    {
        var token = http.User.DeviceHiveToken();
        var command = await FindAsync(token, executionId, commands);
        var canceled = await commands.CancelAsync(command.Id, $"user:{token.UserId}");
        return Results.Json(Execution.From(canceled, withHistory: true));
    }

    private static async Task<IResult> WaitAsync(HttpContext http, string executionId, CommandService commands, CommandRules rules, double? timeout)
    {
        var token = http.User.DeviceHiveToken();
        if (timeout is < 0 || timeout > rules.Limits.MaxWaitSeconds)
        {
            throw new RequestValidationException($"timeout must be between 0 and {rules.Limits.MaxWaitSeconds} seconds");
        }
        var command = await FindAsync(token, executionId, commands);
        var current = await commands.WaitForFinalAsync(command.Id, TimeSpan.FromSeconds(timeout ?? 30), http.RequestAborted);
        return Results.Json(Execution.From(current!, withHistory: true));
    }

    private static async Task<CommandRecord> FindAsync(TokenPayload token, string executionId, CommandService commands)
    {
        if (!long.TryParse(executionId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            throw new RequestValidationException("executionId must be a positive integer");
        }
        var command = await commands.GetAsync(id) ?? throw new CommandNotFoundException($"Execution {id} not found");
        EnsureDevice(token, command.DeviceId, command.NetworkId, command.DeviceTypeId);
        return command;
    }

    /// <summary>The REST doors' 404 for a thing never registered.</summary>
    internal static DeviceNotFoundException ThingNotRegistered(string thingId) => new($"Thing {thingId} is not registered");

    internal static void EnsureDevice(TokenPayload token, string deviceId, long? networkId, long? deviceTypeId)
    {
        if (!token.AllowsDevice(deviceId, networkId, deviceTypeId))
        {
            throw new RequestValidationException(ApiBearerEvents.AccessDenied, 403);
        }
    }

    /// <summary>A digest of what defines the execution, so a reused client token can tell a retry from a different request.</summary>
    private static string Fingerprint(string thingId, string action, string? parameters, int? ttl) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{thingId}\n{action}\n{parameters}\n{ttl}")));
}
