using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage;

namespace CommandGrid.Grains.Commands;

/// <summary>
/// Reserves blocks of the durable command-id sequence for <see cref="CommandIdAllocator"/>; the only
/// reader of that sequence, so no two callers, wherever they run, ever hold the same id.
/// </summary>
[GrainType("commandid"), StatelessWorker, Reentrant]
public sealed class CommandIdGrain(ISequenceStore sequences) : Grain, ICommandIdGrain
{
    public const int MaxBlock = 10_000;
    internal const string Sequence = "command_id";

    // JSON clients read numbers as doubles: above this an id would not survive the trip.
    internal const long MaxSafeInteger = (1L << 53) - 1;

    public async Task<CommandIdBlock> ReserveAsync(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxBlock);
        var first = await sequences.ReserveAsync(Sequence, count);
        if (first + count - 1 > MaxSafeInteger)
        {
            throw new InvalidOperationException("Command ids are exhausted (2^53−1 reached).");
        }
        return new CommandIdBlock(first, count);
    }
}
