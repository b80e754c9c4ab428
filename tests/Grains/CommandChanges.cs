using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Tests.Grains;

/// <summary>A command observer that queues every change it is told of.</summary>
internal sealed class CommandChanges : ReceivedQueue<CommandRecord>, ICommandObserver
{
    public Task CommandChanged(CommandRecord command) => Add(command);
}
