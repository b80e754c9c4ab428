namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// Hands out blocks of command ids; callers take ids through <see cref="CommandIdAllocator"/>,
/// never from this grain directly.
/// </summary>
[Alias("cg.ICommandIdGrain")]
public interface ICommandIdGrain : IGrainWithIntegerKey
{
    Task<CommandIdBlock> ReserveAsync(int count);
}

/// <summary>The ids First … First + Count − 1, reserved durably for one caller.</summary>
[GenerateSerializer, Immutable, Alias("cg.CommandIdBlock")]
public sealed record CommandIdBlock(long First, int Count);
