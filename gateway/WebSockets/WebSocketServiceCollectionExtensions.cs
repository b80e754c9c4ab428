using CommandGrid.Gateway.WebSockets.Handlers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CommandGrid.Gateway.WebSockets;

public static class WebSocketServiceCollectionExtensions
{
    public const string Path = "/api/websocket";

    /// <summary>The DeviceHive WebSocket door's services (configuration section "WebSocket").</summary>
    public static IServiceCollection AddDeviceHiveWebSocket(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<WebSocketDoorOptions>(configuration.GetSection("WebSocket"));
        services.AddSingleton<IWsActionGroup, AuthActions>();
        services.AddSingleton<IWsActionGroup, ServerActions>();
        services.AddSingleton<IWsActionGroup, CommandActions>();
        services.AddSingleton<IWsActionGroup, SubscriptionActions>();
        services.AddSingleton<IWsActionGroup, DeviceActions>();
        services.AddSingleton<MessageDispatcher>();
        services.AddSingleton<WebSocketEndpoint>();
        return services;
    }

    /// <summary>Maps ws://HOST/api/websocket.</summary>
    public static IEndpointRouteBuilder MapDeviceHiveWebSocket(this WebApplication app)
    {
        app.UseWebSockets();
        app.Map(Path, (Microsoft.AspNetCore.Http.HttpContext http, WebSocketEndpoint endpoint) => endpoint.HandleAsync(http));
        return app;
    }
}
