using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage;

namespace CommandGrid.Grains.Commands;

/// <summary>Reserves id blocks from the durable sequence the silos draw from too, so gateway and silo ids never collide.</summary>
[GrainType("commandid"), StatelessWorker, Reentrant]
public sealed class CommandIdGrain(ISequenceStore sequences) : Grain, ICommandIdGrain
{
    public const int MaxBlock = 10_000;

    public async Task<CommandIdBlock> ReserveAsync(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxBlock);
        var first = await sequences.ReserveAsync(CommandIdGenerator.Sequence, count);
        if (first + count - 1 > CommandIdGenerator.MaxSafeInteger)
        {
            throw new InvalidOperationException("Command ids are exhausted (2^53−1 reached).");
        }
        return new CommandIdBlock(first, count);
    }
}
