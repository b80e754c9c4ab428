using CommandGrid.Storage;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// Hands out command ids from blocks reserved in the durable sequence table, so ids are
/// unique across silos and restarts, and small enough (far below 2^53−1) for JSON clients.
/// </summary>
public sealed class CommandIdGenerator(ISequenceStore sequences)
{
    internal const string Sequence = "command_id";
    private const int BlockSize = 1000;
    internal const long MaxSafeInteger = (1L << 53) - 1;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _next;
    private long _end;

    public async Task<long> NextAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_next >= _end)
            {
                _next = await sequences.ReserveAsync(Sequence, BlockSize).ConfigureAwait(false);
                _end = _next + BlockSize;
            }
            var id = _next++;
            return id <= MaxSafeInteger ? id : throw new InvalidOperationException("Command ids are exhausted (2^53−1 reached).");
        }
        finally
        {
            _gate.Release();
        }
    }
}
