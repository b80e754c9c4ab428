using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CommandGrid.Gateway.Operations;

/// <summary>A standalone gateway's "storage": the cluster's PostgreSQL (where it finds the silos) answers SELECT 1.</summary>
internal sealed class GatewayStorageHealthCheck(IConfiguration configuration, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(configuration["Storage:ConnectionString"]);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return ShutdownAwareHealth.Failing(lifetime, "PostgreSQL does not answer", e);
        }
    }
}

/// <summary>A standalone gateway's "membership": the cluster client reaches the cluster and it has at least one active silo.</summary>
internal sealed class GatewayMembershipHealthCheck(IGrainFactory grains, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)")
                : ShutdownAwareHealth.Failing(lifetime, "The cluster has no active silo");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return ShutdownAwareHealth.Failing(lifetime, "The cluster does not answer", e);
        }
    }
}
