using CommandGrid.Grains.Interfaces;
using Orleans.Placement;

namespace CommandGrid.Grains.Devices;

/// <summary>
/// A grain activated by a door's call (<see cref="DoorCall"/>) lives on the silo that call reached; activated from
/// inside the cluster (a job's execution for an offline thing), it is placed as any grain is.
/// </summary>
/// <remarks>
/// An Orleans client sends each grain's calls through one gateway silo, chosen by the grain's id. A device grain placed
/// elsewhere costs every one of its door's calls a forward between silos: its creates, deliveries and answers, 2 in 3 of
/// them with three silos (bench/README.md).
/// </remarks>
[GenerateSerializer, Immutable, Alias("cg.DoorLocalPlacement")]
public sealed class DoorLocalPlacement : PlacementStrategy
{
    public static DoorLocalPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DoorLocalPlacementAttribute() : PlacementAttribute(DoorLocalPlacement.Instance);
