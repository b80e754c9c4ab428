namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// Hands out blocks of command ids. A gateway fixes an execution's id before its first
/// attempt, so retrying a create after a silo died reaches the same execution, never a second one.
/// </summary>
[Alias("cg.ICommandIdGrain")]
public interface ICommandIdGrain : IGrainWithIntegerKey
{
    Task<CommandIdBlock> ReserveAsync(int count);
}

/// <summary>The ids First … First + Count − 1, reserved durably for one caller.</summary>
[GenerateSerializer, Immutable, Alias("cg.CommandIdBlock")]
public sealed record CommandIdBlock(long First, int Count);
