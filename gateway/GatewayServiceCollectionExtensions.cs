using System.Threading.RateLimiting;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Hosting;
using CommandGrid.Gateway.OpsConsole;
using CommandGrid.Gateway.Mqtt;
using CommandGrid.Gateway.Mqtt.Broker;
using CommandGrid.Gateway.Mqtt.Fleets;
using CommandGrid.Gateway.Mqtt.Jobs;
using CommandGrid.Gateway.Observers;
using CommandGrid.Gateway.Rest;
using CommandGrid.Gateway.Rest.OpenApi;
using CommandGrid.Gateway.Tls;
using CommandGrid.Gateway.WebSockets;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Metrics;
using CommandGrid.Mqtt.Server;
using CommandGrid.Mqtt.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway;

public static class GatewayServiceCollectionExtensions
{
    public const string RestRateLimitPolicy = "rest";

    /// <summary>The services of the doors. The host provides an IGrainFactory (a silo's runtime or a cluster client).</summary>
    public static IServiceCollection AddCommandGridGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AuthOptions>(configuration.GetSection("Auth"));
        services.Configure<CommandLimits>(configuration.GetSection("Commands"));
        services.TryAddSingleton(TimeProvider.System);
        services.AddGridMetrics();
        services.AddSingleton<TokenService>();
        services.AddCommandGridAuthentication();
        services.AddSingleton<CommandRules>();
        services.Configure<GridCallOptions>(configuration.GetSection("Runtime"));
        services.AddSingleton<GridRetry>();
        services.AddSingleton<ClusterChangeSignal>();
        services.TryAddSingleton<CommandIdAllocator>();
        services.AddSingleton<ObserverSubscriptionFactory>();
        services.AddSingleton<CommandService>();
        services.AddSingleton<DeviceService>();
        services.Configure<JobLimits>(configuration.GetSection("Jobs"));
        services.AddSingleton<ThingGroupService>();
        services.AddSingleton<JobService>();
        services.AddSingleton<JobDocuments>();
        services.AddSingleton<RestExceptionFilter>();
        services.AddCommandGridApiDocument();
        services.AddSingleton<KestrelEndpoints>();
        services.Configure<MqttTlsOptions>(configuration.GetSection(MqttTlsOptions.SectionName));
        services.Configure<DeviceCertificateOptions>(configuration.GetSection(DeviceCertificateOptions.SectionName));
        services.AddSingleton<DeviceCertificateValidator>();
        services.AddSingleton<TlsListener>();
        services.Configure<FleetsMqttOptions>(options =>
        {
            options.DeviceSecret = configuration["Mqtt:DeviceSecret"];
            options.AutoRegister = configuration.GetValue("Devices:AutoRegister", true);
            options.RenewSeconds = configuration.GetValue("Mqtt:RenewSeconds", 30);
        });
        services.AddSingleton<FleetsResponseHandler>();
        services.AddSingleton<ThingJobsService>();
        services.AddSingleton<JobsRequestHandler>();
        services.Configure<JobsRequestLimitOptions>(configuration.GetSection("Jobs"));
        services.AddSingleton<JobsRequestLimit>();
        services.AddSingleton<MqttDeviceCredentials>();
        services.AddMqttServer<FleetsMqttApplication>();
        services.AddSingleton<IMqttServerEvents, MqttDoorMetrics>();
        services.AddDeviceHiveWebSocket(configuration);
        var mqtt = configuration.GetSection("Mqtt");
        services.Configure<MqttBrokerOptions>(mqtt);
        if (!string.IsNullOrWhiteSpace(mqtt["Broker"]))
        {
            services.AddSingleton(sp => new MqttBrokerBridge(
                sp.GetRequiredService<IOptions<MqttBrokerOptions>>().Value,
                sp.GetRequiredService<CommandService>(),
                sp.GetRequiredService<JobDocuments>(),
                sp.GetRequiredService<FleetsResponseHandler>(),
                TimeSpan.FromSeconds(configuration.GetValue("Mqtt:RenewSeconds", 30)),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<MqttBrokerBridge>()));
            services.AddHostedService<MqttBrokerBridgeService>();
        }
        var permitsPerSecond = configuration.GetValue("RateLimit:PermitsPerSecond", 1000);
        services.AddRateLimiter(limiter =>
        {
            limiter.OnRejected = async (context, token) =>
            {
                context.HttpContext.Response.StatusCode = 429;
                context.HttpContext.RequestServices.GetRequiredService<GridMetrics>().Refused(GridMetrics.RestDoor, RestError.CodeFor(429));
                await context.HttpContext.Response.WriteAsJsonAsync(RestError.Body(429, "Too many requests; slow down"), token);
            };
            // One bucket per bearer token (or per address without one), so one noisy client cannot starve the rest.
            limiter.AddPolicy(RestRateLimitPolicy, http => RateLimitPartition.GetTokenBucketLimiter(
                http.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : http.Connection.RemoteIpAddress?.ToString() ?? "",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = permitsPerSecond * 2,
                    TokensPerPeriod = permitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                }));
        });
        return services;
    }

    /// <summary>Binds HTTP and MQTT on Kestrel from configuration (see <see cref="KestrelEndpoints"/>).</summary>
    public static WebApplicationBuilder UseCommandGridEndpoints(this WebApplicationBuilder builder)
    {
        ConnectionLimits.Apply(builder.Services, builder.Configuration);
        KestrelEndpoints.AddUrlsAsEndpoints(builder.Configuration, builder.WebHost);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.ApplicationServices.GetRequiredService<KestrelEndpoints>().Bind(kestrel, context.Configuration));
        return builder;
    }

    /// <summary>
    /// Maps the REST API under /api/v1 (its OpenAPI document at /openapi/v1.json, its reference at /docs), the
    /// DeviceHive WebSocket API on /api/websocket and MQTT over WebSocket at /mqtt.
    /// </summary>
    public static IEndpointRouteBuilder MapCommandGridGateway(this WebApplication app)
    {
        app.MapDeviceHiveWebSocket();
        app.UseRateLimiter();
        // Errors the framework produces itself (unbindable query values, unknown routes) get the same JSON body as ours.
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (http.Request.Path.StartsWithSegments("/api/v1"))
            {
                await http.Response.WriteAsJsonAsync(RestError.Body(http.Response.StatusCode));
            }
        });
        var api = app.MapGroup("/api/v1")
            .AddEndpointFilter<RestExceptionFilter>()
            .RequireAuthorization(GridAuthentication.ApiPolicy)
            .RequireRateLimiting(RestRateLimitPolicy)
            // What every route may answer: no valid token, a token without the route's action, the rate limit.
            .ProducesErrors(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status429TooManyRequests);
        api.MapCommands();
        api.MapThings();
        api.MapThingGroups();
        api.MapJobs();
        app.MapMqttWebSocket("/mqtt");
        app.MapCommandGridConsole();
        app.MapCommandGridApiDocument();
        return app;
    }
}
