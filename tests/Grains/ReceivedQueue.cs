using System.Threading.Channels;

namespace CommandGrid.Tests.Grains;

/// <summary>What a test observer was told, queued for the test to read in order.</summary>
internal abstract class ReceivedQueue<T>
{
    private readonly Channel<T> _received = Channel.CreateUnbounded<T>();

    protected Task Add(T item) => _received.Writer.WriteAsync(item).AsTask();

    /// <summary>The next item told, or a timeout if none comes.</summary>
    public Task<T> NextAsync() => _received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
}
