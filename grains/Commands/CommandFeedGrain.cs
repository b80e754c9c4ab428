using CommandGrid.Grains.Interfaces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace CommandGrid.Grains.Commands;

/// <summary>Fans command events of a network, a device type or the whole fleet out to subscribed connections.</summary>
[GrainType("commandfeed")]
public sealed class CommandFeedGrain(IOptions<GridOptions> options, TimeProvider clock, ILogger<CommandFeedGrain> logger)
    : Grain, ICommandFeedGrain
{
    private readonly ObserverManager<ICommandFeedObserver> _observers =
        GridObservers.Create<ICommandFeedObserver>(TimeSpan.FromSeconds(options.Value.ObserverExpirySeconds), logger, clock);

    public Task SubscribeAsync(ICommandFeedObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(ICommandFeedObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task PublishAsync(CommandEvent commandEvent) => _observers.Notify(o => o.OnCommandEvent(commandEvent));
}
