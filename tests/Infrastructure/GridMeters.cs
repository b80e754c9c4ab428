using System.Diagnostics.Metrics;
using CommandGrid.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CommandGrid.Tests.Infrastructure;

public static class GridMeters
{
    /// <summary>
    /// A collector of one of the host's "CommandGrid" instruments, on the host's own meter factory: it sees this
    /// host's measurements from now on, never another host's in the same process.
    /// </summary>
    public static MetricCollector<T> Collect<T>(this IServiceProvider host, string instrument) where T : struct =>
        new(host.GetRequiredService<IMeterFactory>(), GridMetrics.MeterName, instrument);
}
