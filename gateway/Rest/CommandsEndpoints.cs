using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
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
        var group = api.MapGroup("/commands");
        group.MapPost("/", CreateAsync).RequireDeviceHiveAction(DeviceHiveAction.CreateDeviceCommand);
        group.MapGet("/", ListAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand);
        group.MapGet("/{executionId}", GetAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand);
        group.MapPost("/{executionId}/cancel", CancelAsync).RequireDeviceHiveAction(DeviceHiveAction.CreateDeviceCommand);
        group.MapGet("/{executionId}/wait", WaitAsync).RequireDeviceHiveAction(DeviceHiveAction.GetDeviceCommand);
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
        var device = await devices.GetAsync(thingId)
            ?? throw new DeviceNotFoundException($"Thing {thingId} is not registered");
        EnsureDevice(token, device.Id, device.NetworkId, device.DeviceTypeId);
        var request = new CreateCommandRequest(thingId, action, parameters, null, ttl, null, null, token.UserId, clientToken,
            Fingerprint(thingId, action, parameters, ttl));
        var created = await commands.CreateAsync(request);
        metrics.CommandCreated(GridMetrics.RestDoor);
        return Results.Json(FleetsJson.Execution(created, withHistory: false), statusCode: 201);
    }

    private static async Task<IResult> GetAsync(HttpContext http, string executionId, CommandService commands)
    {
        var token = http.User.DeviceHiveToken();
        var command = await FindAsync(token, executionId, commands);
        return Results.Json(FleetsJson.Execution(command, withHistory: true));
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
            .Select(c => FleetsJson.Execution(c, withHistory: false));
        return Results.Json(new { items, nextCursor = page.NextCursor });
    }

    private static async Task<IResult> CancelAsync(HttpContext http, string executionId, CommandService commands)
    {
        var token = http.User.DeviceHiveToken();
        var command = await FindAsync(token, executionId, commands);
        var canceled = await commands.CancelAsync(command.Id, $"user:{token.UserId}");
        return Results.Json(FleetsJson.Execution(canceled, withHistory: true));
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
        return Results.Json(FleetsJson.Execution(current!, withHistory: true));
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
