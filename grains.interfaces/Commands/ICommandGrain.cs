namespace CommandGrid.Grains.Interfaces;

/// <summary>One command execution, keyed by its id. Its TTL is a durable reminder.</summary>
[Alias("cg.ICommandGrain")]
public interface ICommandGrain : IGrainWithIntegerKey
{
    /// <summary>Stores the execution (durably) and starts its TTL; a second call with the same id returns what is stored.</summary>
    Task<CommandRecord> CreateAsync(NewCommand command);

    Task<CommandRecord?> GetAsync();

    /// <summary>PENDING becomes SENT; any later status stays as it is.</summary>
    Task<CommandRecord> MarkSentAsync();

    /// <exception cref="CommandFinalException">The execution is final.</exception>
    /// <exception cref="InvalidStatusTransitionException">The reported status is one only the grid sets.</exception>
    Task<CommandRecord> UpdateAsync(CommandUpdate update);

    /// <exception cref="CommandFinalException">The execution is final.</exception>
    Task<CommandRecord> CancelAsync(string source);

    /// <summary>TIMED_OUT if the execution is not final and its TTL has passed; otherwise nothing. Safe to call any number of times.</summary>
    Task<CommandRecord?> ExpireIfDueAsync();

    /// <summary>
    /// Subscribes or renews; subscriptions expire unless renewed. A final execution never changes again and
    /// keeps no subscribers: subscribing to one (or to an id never created) does nothing, so read it after
    /// subscribing; the subscribers of one that becomes final are forgotten once told, and need not unsubscribe.
    /// </summary>
    Task SubscribeAsync(ICommandObserver observer);

    Task UnsubscribeAsync(ICommandObserver observer);
}

/// <summary>A new execution as the device grain hands it to its command grain.</summary>
/// <param name="DeviceConnected">The device is connected, so the execution is about to be delivered; otherwise it waits in storage.</param>
[GenerateSerializer, Immutable, Alias("cg.NewCommand")]
public sealed record NewCommand(CreateCommandRequest Request, long Id, long? NetworkId, long? DeviceTypeId, bool DeviceConnected);

/// <summary>Told of every change of one execution.</summary>
[Alias("cg.ICommandObserver")]
public interface ICommandObserver : IGrainObserver
{
    // One-way: a grain never waits on a gateway connection, and a dead one costs it nothing.
    [OneWay]
    Task CommandChanged(CommandRecord command);
}
