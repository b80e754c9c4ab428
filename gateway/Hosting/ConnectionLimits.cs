using CommandGrid.Mqtt.Server;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// How many connections a node accepts, sized from its descriptor limit so that it refuses what it cannot hold
/// instead of running out of descriptors. At start the soft RLIMIT_NOFILE is raised to the hard one; of that figure
/// a reserve is kept for the runtime, the store and Orleans' own sockets (512 and a twentieth: an idle node already
/// holds about 350, two for each of its ~150 assemblies, and the runtime aborts with "Out of memory." when it cannot
/// open one more to load an assembly or map code; SQLite holds up to 32 connections); Kestrel takes at most
/// the rest (configured as <c>Kestrel:Limits:MaxConcurrentConnections</c>, over HTTP, WebSocket and MQTT together:
/// at it the listeners stop accepting, <see cref="AcceptGate"/>, in place of Kestrel's own accept-then-close), and MQTT at most that less a tenth (at least 128) kept for HTTP and WebSocket
/// clients (<c>Mqtt:MaxConnections</c>: past it a CONNECT is answered 0x97, or 0x03 for 3.1.1). Either setting,
/// when given, wins over its derived default.
/// </summary>
public sealed record ConnectionLimits(DescriptorLimit.Limits? Descriptors, int Total, int Mqtt)
{
    /// <summary>How long after the last refused connection the node still reports itself degraded.</summary>
    public static readonly TimeSpan RefusingFor = TimeSpan.FromSeconds(30);

    private const int BaseReserve = 512;
    private const int MinimumHttpShare = 128;

    public static ConnectionLimits Derive(DescriptorLimit.Limits? descriptors, IConfiguration configuration)
    {
        var derivedTotal = descriptors is null ? 0 : (int)Math.Max(1, descriptors.Soft - BaseReserve - descriptors.Soft / 20);
        var total = configuration.GetValue<int?>("Kestrel:Limits:MaxConcurrentConnections") ?? derivedTotal;
        var derivedMqtt = total <= 0 ? 0 : Math.Max(1, total - Math.Max(MinimumHttpShare, total / 10));
        var mqtt = configuration.GetValue<int?>("Mqtt:MaxConnections") ?? derivedMqtt;
        return new ConnectionLimits(descriptors, Math.Max(0, total), Math.Max(0, mqtt));
    }

    /// <summary>Raises the descriptor limit, derives the limits and applies them to Kestrel and the MQTT engine, with a report at start and a health check.</summary>
    public static void Apply(IServiceCollection services, IConfiguration configuration)
    {
        var limits = Derive(DescriptorLimit.RaiseSoftToHard(), configuration);
        services.AddSingleton(limits);
        if (limits.Total > 0)
        {
            // Kestrel's transport (sockets), wrapped so that it never holds more than the limit, not even for a moment.
            var transport = services.LastOrDefault(d => d.ServiceType == typeof(IConnectionListenerFactory) && !d.IsKeyedService)
                ?? throw new InvalidOperationException("No Kestrel transport is registered to bound.");
            services.Remove(transport);
            services.AddSingleton<IConnectionListenerFactory>(sp => new AcceptGate(Resolve(sp, transport), limits.Total));
        }
        services.PostConfigure<MqttServerOptions>(o => o.MaxConnections = limits.Mqtt);
        services.AddHostedService<Report>();
        services.AddHealthChecks().AddCheck<MqttCapacityHealthCheck>("connections");
    }

    private static IConnectionListenerFactory Resolve(IServiceProvider services, ServiceDescriptor descriptor) =>
        (IConnectionListenerFactory)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));

    private sealed class Report(ConnectionLimits limits, IOptions<MqttServerOptions> mqtt, ILogger<ConnectionLimits> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var d = limits.Descriptors;
            logger.LogInformation(
                "File descriptors: soft limit {SoftBefore} raised to {Soft} (hard limit {Hard}); connections: at most {MaxConnections} in all, {MaxMqttConnections} over MQTT, {MaxMqttConnectsPerSecond} new MQTT connections per second (0: no limit)",
                d?.SoftBefore, d?.Soft, d?.Hard, limits.Total, limits.Mqtt, mqtt.Value.MaxConnectsPerSecond);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// Degraded while the MQTT listener refuses connections, at its limit or over its connect rate: the node is full or
    /// busy letting devices in; send new ones elsewhere.
    /// </summary>
    private sealed class MqttCapacityHealthCheck(MqttServer server) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var limit = server.ConnectionLimit;
            var rate = server.ConnectRate;
            return Task.FromResult(
                limit.RefusedWithin(RefusingFor)
                    ? HealthCheckResult.Degraded($"MQTT is at its limit of {limit.Max} connections and refuses new ones ({limit.Refused} refused since start)")
                : rate.RefusedWithin(RefusingFor)
                    ? HealthCheckResult.Degraded($"MQTT takes on at most {rate.PerSecond} connections per second and refuses more ({rate.Refused} refused since start)")
                : HealthCheckResult.Healthy($"{server.OpenConnections} MQTT connections open, at most {(limit.Max == 0 ? "unlimited" : limit.Max)}"));
        }
    }
}
