using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Tests.Grains;

/// <summary>A command feed observer that queues every event it is told of.</summary>
internal sealed class CommandFeedEvents : ReceivedQueue<CommandEvent>, ICommandFeedObserver
{
    public Task OnCommandEvent(CommandEvent commandEvent) => Add(commandEvent);
}
