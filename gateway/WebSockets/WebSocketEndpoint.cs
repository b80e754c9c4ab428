using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Operations;
using CommandGrid.Metrics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.WebSockets;

/// <summary>Accepts the upgrade on /api/websocket and runs the connection until it ends.</summary>
internal sealed class WebSocketEndpoint(
    MessageDispatcher dispatcher,
    CommandService commands,
    TimeProvider clock,
    IOptions<WebSocketDoorOptions> options,
    IOptions<CommandLimits> limits,
    IHostApplicationLifetime lifetime,
    GridMetrics metrics,
    ILogger<WebSocketEndpoint> logger)
{
    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsJsonAsync(new { status = "error", code = 400, error = "Expected a WebSocket upgrade request" });
            return;
        }
        // A bearer token on the upgrade request authenticates the connection; a bad one is refused before the upgrade.
        TokenPayload? token = null;
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var result = await http.AuthenticateAsync(GridAuthentication.ApiScheme);
            if (!result.Succeeded)
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                metrics.RefusedStatus(GridMetrics.WebSocketDoor, StatusCodes.Status401Unauthorized);
                var error = result.Failure is { } failure ? TokenValidationResult.MessageFor(failure) : TokenValidationResult.InvalidCredentials;
                await http.Response.WriteAsJsonAsync(new { status = "error", code = 401, error });
                return;
            }
            token = result.Principal.DeviceHiveToken();
        }
        using var socket = await http.WebSockets.AcceptWebSocketAsync(new Microsoft.AspNetCore.Http.WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(options.Value.KeepAliveSeconds),
        });
        var session = new WsSession(socket, commands, clock, options.Value, limits.Value.MaxMessageBytes, logger) { Token = token };
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        logger.LogDebug("WebSocket {Connection} opened from {Remote}", session.Id, http.Connection.RemoteIpAddress);
        metrics.ConnectionOpened(GridMetrics.WebSocketDoor, "devicehive");
        try
        {
            await session.RunAsync(dispatcher, aborted.Token);
        }
        finally
        {
            metrics.ConnectionClosed(GridMetrics.WebSocketDoor, "devicehive");
        }
        logger.LogDebug("WebSocket {Connection} closed", session.Id);
    }
}
