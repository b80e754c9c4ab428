namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// The one way to get a command id, for a gateway and for a grain alike: ids come from blocks
/// reserved durably through <see cref="ICommandIdGrain"/>, so they are unique across silos,
/// gateways and restarts, and never larger than 2^53−1. A caller fixes an execution's id before
/// its first attempt to create it, so a repeat after a failure reaches the same execution.
/// One instance per process (a singleton): its block is shared by every caller there.
/// </summary>
public sealed class CommandIdAllocator(IGrainFactory grains)
{
    public const int BlockSize = 1000;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _next;
    private long _end;

    /// <summary>The next id of this process's block, reserving a new block when it is used up.</summary>
    public async Task<long> NextAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_next >= _end)
            {
                var block = await grains.GetGrain<ICommandIdGrain>(0).ReserveAsync(BlockSize);
                (_next, _end) = (block.First, block.First + block.Count);
            }
            return _next++;
        }
        finally
        {
            _gate.Release();
        }
    }
}
