using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace CommandGrid.Gateway.Operations;

/// <summary>
/// What a failing health check reports. While the host stops, the store closing and the node leaving its cluster
/// are the shutdown itself, not a failure: the check reports Degraded ("stopping: …"), which /health answers with
/// 503 like Unhealthy but the health-check service does not log as an error.
/// </summary>
public static class ShutdownAwareHealth
{
    public static HealthCheckResult Failing(IHostApplicationLifetime lifetime, string description, Exception? exception = null) =>
        lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Degraded($"stopping: {description}")
            : HealthCheckResult.Unhealthy(description, exception);
}
