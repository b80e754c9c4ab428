using Xunit;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommandGrid.Tests.Infrastructure;

namespace CommandGrid.Tests.WebSockets;

/// <summary>Shorthands for the WebSocket suites: registering devices over REST and building DeviceHive messages.</summary>
public static class WsKit
{
    public static async Task<string> RegisterDeviceAsync(GridServer server, long? networkId = null, long? deviceTypeId = null, string? id = null)
    {
        id ??= GridServer.NewId();
        using var http = server.Client();
        var body = new JsonObject { ["name"] = id };
        if (networkId is not null)
        {
            body["networkId"] = networkId;
        }
        if (deviceTypeId is not null)
        {
            body["deviceTypeId"] = deviceTypeId;
        }
        var response = await http.PutAsJsonAsync($"/api/v1/things/{id}", body);
        response.EnsureSuccessStatusCode();
        return id;
    }

    public static JsonObject Insert(string deviceId, string name = "reboot", JsonObject? parameters = null, int? lifetime = null)
    {
        var command = new JsonObject { ["command"] = name };
        if (parameters is not null)
        {
            command["parameters"] = parameters;
        }
        if (lifetime is not null)
        {
            command["lifetime"] = lifetime;
        }
        return new JsonObject { ["action"] = "command/insert", ["deviceId"] = deviceId, ["command"] = command };
    }

    public static JsonObject Update(string deviceId, long commandId, string? status, JsonNode? result = null)
    {
        var command = new JsonObject();
        if (status is not null)
        {
            command["status"] = status;
        }
        if (result is not null)
        {
            command["result"] = result;
        }
        return new JsonObject { ["action"] = "command/update", ["deviceId"] = deviceId, ["commandId"] = commandId, ["command"] = command };
    }

    public static JsonObject Message(string action, params (string Name, JsonNode? Value)[] fields)
    {
        var message = new JsonObject { ["action"] = action };
        foreach (var (name, value) in fields)
        {
            message[name] = value;
        }
        return message;
    }

    /// <summary>Inserts a command and returns its id.</summary>
    public static async Task<long> InsertAsync(WsClient client, string deviceId, string name = "reboot", JsonObject? parameters = null)
    {
        var reply = await client.OkAsync(Insert(deviceId, name, parameters));
        return (long)reply["command"]!["id"]!;
    }

    /// <summary>The execution as the REST API shows it.</summary>
    public static async Task<JsonObject> RestExecutionAsync(GridServer server, long id)
    {
        using var http = server.Client();
        var response = await http.GetAsync($"/api/v1/commands/{id}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Waits (on the REST long poll, not a sleep) until the execution reaches a status other than PENDING, or the timeout.</summary>
    public static async Task<JsonObject> RestWaitAsync(GridServer server, long id, int timeoutSeconds = 10)
    {
        using var http = server.Client();
        var response = await http.GetAsync($"/api/v1/commands/{id}/wait?timeout={timeoutSeconds}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}

