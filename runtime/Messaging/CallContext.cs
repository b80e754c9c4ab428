using System.Collections.Immutable;

namespace CommandGrid.Runtime.Messaging;

/// <summary>
/// The grain turn the current code runs in, flowing with async calls so that a call made
/// from inside a turn carries the chain of grains waiting on it.
/// </summary>
internal static class CallContext
{
    private static readonly AsyncLocal<ImmutableArray<GrainId>> Chain = new();

    /// <summary>The chain an outgoing call carries: the caller's own chain plus the calling grain.</summary>
    public static ImmutableArray<GrainId> Current => Chain.Value.IsDefault ? [] : Chain.Value;

    public static void Enter(GrainId grain, ImmutableArray<GrainId> incoming) =>
        Chain.Value = (incoming.IsDefault ? ImmutableArray<GrainId>.Empty : incoming).Add(grain);

    public static void Clear() => Chain.Value = default;
}
