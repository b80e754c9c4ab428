using Xunit;

namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// Tests that check how precisely timers fire run alone, after the parallel ones, so that the
/// rest of the suite saturating both cores does not decide their outcome.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
