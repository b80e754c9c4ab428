using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Text.Json;
using CommandGrid.Gateway.Auth;
using CommandGrid.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;

namespace CommandGrid.Gateway.Operations;

/// <summary>
/// What an operator and a monitoring system see of a silo or a gateway: the Orleans Dashboard at
/// /dashboard behind the operator policy, Prometheus text at /metrics, health as JSON at /health.
/// </summary>
public static class OperationsEndpoints
{
    public const string DashboardPath = "/dashboard";
    public const string MetricsPath = "/metrics";
    public const string HealthPath = "/health";

    /// <summary>The meters /metrics exports: the project's own, the MQTT listener's refusals, Orleans' runtime and .NET's (GC heap, working set, thread pool).</summary>
    // Kestrel's meter: the connections open (kestrel.active_connections), queued and upgraded, beside the grid's own.
    public static readonly string[] Meters = [GridMetrics.MeterName, "CommandGrid.Mqtt", "Microsoft.Orleans", "System.Runtime", "Microsoft.AspNetCore.Server.Kestrel"];

    /// <summary>
    /// The dashboard's options. Each silo samples its runtime statistics every CounterUpdateIntervalMs
    /// (Orleans' default 1 s, whether anyone looks or not); 10 s keeps an idle grid's cost at a tenth
    /// and still shows a useful curve (HistoryLength 100 samples: about 16 minutes). Per-method grain
    /// profiling runs only while someone queries the dashboard (Orleans turns it off a minute after the last query).
    /// </summary>
    public static void ConfigureDashboard(DashboardOptions options, IConfiguration configuration)
    {
        options.CounterUpdateIntervalMs = Math.Max(1000, configuration.GetValue("Dashboard:CounterUpdateIntervalMs", 10_000));
        options.HistoryLength = configuration.GetValue("Dashboard:HistoryLength", 100);
        options.HideTrace = configuration.GetValue("Dashboard:HideTrace", false);
    }

    /// <summary>
    /// Dashboard:ProfileGrainCalls (default true): the dashboard's per-method call statistics ("Methods with …"), taken
    /// by Orleans' grain call filter on every call while someone looks at the dashboard (it stops a minute after the last
    /// query). With the dashboard open under P1 it cost 1.4 % of the pairs per second (median of seven side-by-side pairs,
    /// bench/dashboard.sh, bench/README.md), so it is on; false removes the filter, and the rest of the dashboard (silos,
    /// grains, activations, reminders, counters) works as before. Returns how many filter registrations it removed.
    /// </summary>
    public static int ConfigureGrainProfiling(IServiceCollection services, IConfiguration configuration)
    {
        if (configuration.GetValue("Dashboard:ProfileGrainCalls", true))
        {
            return 0;
        }
        // The filter's type is internal to Orleans.Dashboard, so it is found by name.
        var profilers = services.Where(d => d.ServiceType == typeof(IIncomingGrainCallFilter)
            && (d.ImplementationType ?? d.ImplementationInstance?.GetType())?.Name == "GrainProfilerFilter").ToList();
        foreach (var descriptor in profilers)
        {
            services.Remove(descriptor);
        }
        return profilers.Count;
    }

    /// <summary>Dashboard:Enabled (default true): false leaves the Orleans Dashboard out entirely, e.g. to measure what it costs.</summary>
    public static bool DashboardEnabled(IConfiguration configuration) => configuration.GetValue("Dashboard:Enabled", true);

    /// <summary>Metrics and the health-check service; the caller adds its own checks ("storage", "membership") to the builder returned.</summary>
    public static IHealthChecksBuilder AddCommandGridOperations(this IServiceCollection services)
    {
        // The meters are enabled through the host's metrics rules rather than OpenTelemetry's AddMeter: AddMeter listens
        // to every meter of that name in the process, these rules only to this host's own (its IMeterFactory's) and to
        // static ones (Orleans'), so that hosts sharing a process (tests) never export each other's counts.
        services.AddMetrics(metrics =>
        {
            foreach (var meter in Meters)
            {
                metrics.EnableMetrics(meter);
            }
        });
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter());
        return services.AddHealthChecks();
    }

    /// <summary>Maps /dashboard (operators only), /metrics and /health. The dashboard's services must be added (AddDashboard on the silo or client builder).</summary>
    public static WebApplication MapCommandGridOperations(this WebApplication app, string role)
    {
        // /dashboard/Trace streams the log for up to an hour and ends only when the client goes away;
        // tied to the host's stopping too, it never holds a shutdown up for the server's grace period.
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        app.Use(async (http, next) =>
        {
            if (!http.Request.Path.StartsWithSegments(DashboardPath + "/Trace", StringComparison.OrdinalIgnoreCase))
            {
                await next(http);
                return;
            }
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
            http.RequestAborted = ended.Token;
            http.Response.Headers.CacheControl = "no-store";
            await next(http);
        });
        if (DashboardEnabled(app.Configuration))
        {
            app.MapOrleansDashboard(routePrefix: DashboardPath).RequireAuthorization(GridAuthentication.OperatorPolicy);
        }
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapHealthChecks(HealthPath, new HealthCheckOptions
        {
            ResponseWriter = (http, report) => WriteHealthAsync(http, report, role),
            // Degraded is what a stopping node's failing checks report (ShutdownAwareHealth): not ready either.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return app;
    }

    private static readonly JsonSerializerOptions HealthJson = new(JsonSerializerDefaults.Web);

    /// <summary>{"status":"Healthy","role":"silo","durationMs":…,"checks":{"storage":{"status":…,"description":…,"durationMs":…}}}; 200 when every check is Healthy, else 503.</summary>
    private static Task WriteHealthAsync(HttpContext http, HealthReport report, string role)
    {
        http.Response.Headers.CacheControl = "no-store";
        var checks = report.Entries.ToDictionary(e => e.Key, e => new
        {
            status = e.Value.Status.ToString(),
            description = e.Value.Description,
            durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            error = e.Value.Exception?.Message,
        });
        return http.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            role,
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks,
        }, HealthJson);
    }
}
