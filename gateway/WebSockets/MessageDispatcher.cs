using System.Text.Json;
using System.Text.Json.Nodes;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Operations;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Metrics;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.WebSockets;

/// <summary>
/// Parses one message, finds its action's handler, and turns the outcome into DeviceHive's
/// reply: action and requestId echoed, "status": "success" plus the payload, or
/// "status": "error" with a code and a message. Nothing a client sends escapes as an exception.
/// </summary>
internal sealed class MessageDispatcher
{
    private readonly Dictionary<string, WsActionHandler> _actions = new(StringComparer.Ordinal);
    private readonly GridMetrics _metrics;
    private readonly ILogger<MessageDispatcher> _logger;

    public MessageDispatcher(IEnumerable<IWsActionGroup> groups, GridMetrics metrics, ILogger<MessageDispatcher> logger)
    {
        _metrics = metrics;
        _logger = logger;
        foreach (var group in groups)
        {
            group.Register(_actions);
        }
    }

    public IReadOnlyCollection<string> Actions => _actions.Keys;

    /// <summary>DeviceHive's error reply, counted as the WebSocket door's refusal when it is the client's (4xx).</summary>
    public JsonObject ErrorReply(string? action, JsonNode? requestId, int code, string message)
    {
        _metrics.RefusedStatus(GridMetrics.WebSocketDoor, code);
        return DeviceHiveJson.Error(action, requestId, code, message);
    }

    public async Task<JsonObject> DispatchAsync(WsSession session, ReadOnlyMemory<byte> message, List<Func<Task>> afterReply)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return ErrorReply(null, null, 400, WsError.MalformedJson);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ErrorReply(null, null, 400, WsError.MalformedJson);
            }
            var requestId = root.TryGetProperty("requestId", out var id) && id.ValueKind != JsonValueKind.Null ? JsonNode.Parse(id.GetRawText()) : null;
            if (!root.TryGetProperty("action", out var actionElement) || actionElement.ValueKind != JsonValueKind.String)
            {
                return ErrorReply(null, requestId, 400, "action is required and must be a string");
            }
            var action = actionElement.GetString()!;
            if (!_actions.TryGetValue(action, out var handler))
            {
                return ErrorReply(action, requestId, 400, $"Unknown action requested: {action}");
            }
            try
            {
                var payload = await handler(new WsCall(session, new WsRequest(action, requestId, root), afterReply));
                var reply = DeviceHiveJson.Success(action, requestId);
                foreach (var (name, value) in payload ?? [])
                {
                    reply[name] = value?.DeepClone();
                }
                return reply;
            }
            catch (Exception e)
            {
                afterReply.Clear();
                var (code, text) = Describe(e);
                if (code >= 500)
                {
                    _logger.LogError(e, "WebSocket {Connection}: {Action} failed", session.Id, action);
                }
                return ErrorReply(action, requestId, code, text);
            }
        }
    }

    private static (int Code, string Message) Describe(Exception e) => e switch
    {
        WsError w => (w.Code, w.Message),
        // Wire rules shared with REST; a too-large field is a bad request here (DeviceHive has no 413).
        RequestValidationException v => (v.StatusCode is 401 or 403 or 404 or 409 ? v.StatusCode : 400, v.Message),
        CommandValidationException => (400, e.Message),
        DeviceNotFoundException or CommandNotFoundException => (404, e.Message),
        CommandFinalException or InvalidStatusTransitionException or ClientTokenConflictException => (409, e.Message),
        _ when GridRetry.IsUnavailable(e) => (500, "The grid did not answer in time; retry"),
        _ => (500, "Internal server error"),
    };
}
