using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.Commands;

/// <summary>
/// Command ids this gateway reserved in blocks, so that it can fix an execution's id before the
/// first attempt to create it: a retry after a silo died then finds the same execution.
/// </summary>
public sealed class CommandIdPool(IGrainFactory grains, GridRetry retry)
{
    private const int BlockSize = 200;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _next;
    private long _end;

    public async Task<long> NextAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_next >= _end)
            {
                var block = await retry.RunAsync(() => grains.GetGrain<ICommandIdGrain>(0).ReserveAsync(BlockSize));
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
