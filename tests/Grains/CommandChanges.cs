using System.Threading.Channels;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Tests.Grains;

/// <summary>A command observer that queues every change it is told of, for a test to read in order.</summary>
internal sealed class CommandChanges : ICommandObserver
{
    private readonly Channel<CommandRecord> _changes = Channel.CreateUnbounded<CommandRecord>();

    public Task CommandChanged(CommandRecord command) => _changes.Writer.WriteAsync(command).AsTask();

    /// <summary>The next change told, or a timeout if none comes.</summary>
    public Task<CommandRecord> NextAsync() => _changes.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
}
