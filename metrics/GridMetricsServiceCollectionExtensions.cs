using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CommandGrid.Metrics;

public static class GridMetricsServiceCollectionExtensions
{
    /// <summary>
    /// The host's one <see cref="GridMetrics"/>, on the host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>.
    /// Every part that records (grains, storage, doors) calls this; the first call registers it.
    /// </summary>
    public static IServiceCollection AddGridMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<GridMetrics>();
        return services;
    }
}
