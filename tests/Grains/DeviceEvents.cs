using System.Threading.Channels;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Tests.Grains;

/// <summary>A device connection that queues what its device grain tells it, for a test to read in order.</summary>
internal sealed class DeviceEvents : IDeviceConnection
{
    private readonly Channel<CommandRecord> _available = Channel.CreateUnbounded<CommandRecord>();
    private readonly Channel<CommandRecord> _updated = Channel.CreateUnbounded<CommandRecord>();

    public Task CommandAvailable(CommandRecord command) => _available.Writer.WriteAsync(command).AsTask();

    public Task CommandUpdated(CommandRecord command) => _updated.Writer.WriteAsync(command).AsTask();

    public Task<CommandRecord> NextAvailableAsync() => _available.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public Task<CommandRecord> NextUpdatedAsync() => _updated.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public async Task<IReadOnlyList<long>> NextAvailableIdsAsync(int count)
    {
        var ids = new List<long>();
        while (ids.Count < count)
        {
            ids.Add((await NextAvailableAsync()).Id);
        }
        return ids;
    }

    /// <summary>Updates told so far.</summary>
    public int UpdatesSoFar => _updated.Reader.Count;
}
