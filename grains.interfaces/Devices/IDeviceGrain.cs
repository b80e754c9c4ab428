using System.Collections.Immutable;

namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// One device: its record, its live connections, and the commands not yet delivered to it.
/// Every command for the device is created through it.
/// </summary>
[Alias("cg.IDeviceGrain")]
public interface IDeviceGrain : IGrainWithStringKey
{
    Task<DeviceRecord?> GetAsync();

    Task<DeviceRecord> SaveAsync(DeviceRegistration registration);

    /// <summary>Registers the device if it is not yet (just-in-time registration of a device that connects with a valid token).</summary>
    Task<DeviceRecord> EnsureRegisteredAsync();

    /// <summary>
    /// Creates a command under the id its caller took from <see cref="CommandIdAllocator"/> before the first
    /// attempt, so a repeat of the call finds the execution the first one stored instead of making a second.
    /// </summary>
    /// <exception cref="DeviceNotFoundException">The device is not registered.</exception>
    Task<CommandRecord> CreateCommandAsync(CreateCommandRequest request, long commandId);

    /// <summary>
    /// Subscribes a connection (or renews it). A new delivering connection is sent every
    /// pending command at once; after that every new command as it is created.
    /// </summary>
    Task ConnectAsync(IDeviceConnection connection, DeviceConnectionOptions options);

    Task DisconnectAsync(IDeviceConnection connection);

    /// <summary>
    /// The device's door delivered one of its commands: hands the confirmation to the execution
    /// (<see cref="ICommandGrain.MarkSentAsync"/>). Through this grain because a door reaches it without a lookup and the
    /// execution was created beside it; the execution, new to every silo, cost a door's silo a directory lookup and a
    /// forward. Interleaved: it reads nothing of this grain's and only waits for the execution.
    /// </summary>
    [AlwaysInterleave]
    Task<CommandRecord> MarkCommandSentAsync(long commandId);

    /// <summary>The device's report on one of its executions, handed on as <see cref="MarkCommandSentAsync"/> is (<see cref="ICommandGrain.UpdateAsync"/>).</summary>
    [AlwaysInterleave]
    Task<CommandRecord> UpdateCommandAsync(long commandId, CommandUpdate update);

    /// <summary>Told by the command grain of each change, to keep the queue and update subscribers.</summary>
    [OneWay]
    Task CommandChangedAsync(CommandRecord command);

    /// <summary>Records that the device is a member of a static group (for its record; the group's members are stored by the group).</summary>
    Task JoinGroupAsync(string group);

    Task LeaveGroupAsync(string group);

    /// <summary>Ids of the commands still waiting for delivery, oldest first.</summary>
    Task<IReadOnlyList<long>> GetPendingAsync();
}

/// <param name="Delivers">The connection is the device itself: what it is sent counts as delivered once confirmed.</param>
/// <param name="WantsUpdates">Also push every change of the device's commands (DeviceHive returnUpdatedCommands).</param>
/// <param name="WantsJobUpdates">Also push every change of the device's executions of fleet jobs (a device that speaks the jobs topics).</param>
[GenerateSerializer, Immutable, Alias("cg.DeviceConnectionOptions")]
public sealed record DeviceConnectionOptions(bool Delivers, bool WantsUpdates, bool WantsJobUpdates = false)
{
    public bool WantsUpdateOf(CommandRecord command) => WantsUpdates || (WantsJobUpdates && command.JobId is not null);
}

/// <summary>A gateway connection listening to one device.</summary>
[Alias("cg.IDeviceConnection")]
public interface IDeviceConnection : IGrainObserver
{
    // One-way: a grain never waits on a gateway connection, and a dead one costs it nothing.
    [OneWay]
    Task CommandAvailable(CommandRecord command);

    /// <summary>
    /// Commands to take in the order given (a connecting device's pending queue, oldest first). Not one-way:
    /// Orleans keeps no order among one-way messages, so the device grain waits for each batch to be taken
    /// before it sends the next one (or any new command). It waits only on the connection that has just
    /// called <see cref="IDeviceGrain.ConnectAsync"/>. A connection that takes commands one at a time needs
    /// nothing more: this hands them to it in order.
    /// </summary>
    async Task CommandsAvailable(ImmutableArray<CommandRecord> commands)
    {
        foreach (var command in commands)
        {
            await CommandAvailable(command);
        }
    }

    [OneWay]
    Task CommandUpdated(CommandRecord command);
}
