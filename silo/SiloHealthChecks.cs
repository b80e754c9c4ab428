using CommandGrid.Gateway.Operations;
using CommandGrid.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace CommandGrid.Silo;

/// <summary>A silo's "storage": its relational store answers a trivial query.</summary>
internal sealed class SiloStorageHealthCheck(RelationalStore store, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{store.Provider} answers");
        }
        catch (ObjectDisposedException)
        {
            // A known state, not a fault to trace: the store was closed under the silo.
            return ShutdownAwareHealth.Failing(lifetime, $"the {store.Provider} store is closed");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return ShutdownAwareHealth.Failing(lifetime, $"{store.Provider} does not answer", e);
        }
    }
}

/// <summary>A silo's "membership": the cluster's current membership view has this silo Active.</summary>
internal sealed class SiloMembershipHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(local.SiloAddress);
        var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"{local.SiloAddress} is Active; {active} active silo(s), membership version {snapshot.Version}")
            : ShutdownAwareHealth.Failing(lifetime, $"{local.SiloAddress} is {status}"));
    }
}
