using Xunit;

namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// The grid's instruments are process-wide and every test server's exporter listens to them, so a test that reads an
/// up-down counter (open connections) would also see other servers' connections close while it runs: such tests run
/// alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetersCollection
{
    public const string Name = "ProcessWideMeters";
}
