using CommandGrid.Runtime;

namespace CommandGrid.Grains.Interfaces;

/// <summary>One command execution, keyed by its id. Its TTL is a durable reminder.</summary>
[GrainType("command")]
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

    /// <summary>Subscribes or renews; subscriptions expire unless renewed.</summary>
    Task SubscribeAsync(ICommandObserver observer);

    Task UnsubscribeAsync(ICommandObserver observer);
}

/// <summary>A new execution as the device grain hands it to its command grain.</summary>
public sealed record NewCommand(CreateCommandRequest Request, long Id, long? NetworkId, long? DeviceTypeId);

/// <summary>Told of every change of one execution.</summary>
public interface ICommandObserver : IGrainObserver
{
    Task CommandChanged(CommandRecord command);
}
