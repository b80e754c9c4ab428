using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace CommandGrid.Grains;

internal static class GridObservers
{
    /// <summary>Orleans' ObserverManager on the grid's clock, so subscriptions expire by the same time tests control.</summary>
    public static ObserverManager<T> Create<T>(TimeSpan expiry, ILogger logger, TimeProvider clock) where T : IAddressable =>
        new(expiry, logger) { GetDateTime = () => clock.GetUtcNow().UtcDateTime };

    /// <summary>The same, for subscriptions whose entry carries more than the observer (<typeparamref name="TEntry"/>).</summary>
    public static ObserverManager<TObserver, TEntry> Create<TObserver, TEntry>(TimeSpan expiry, ILogger logger, TimeProvider clock) where TObserver : IAddressable =>
        new(expiry, logger) { GetDateTime = () => clock.GetUtcNow().UtcDateTime };
}
