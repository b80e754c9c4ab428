using Xunit;

namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// One grid for all the tests of a class (xunit's class fixture), as Orleans' own tests share a cluster. It is for classes
/// whose tests name everything they make with random ids and read nothing grid-wide, so they cannot see each other's
/// work; each test is spared a grid's start and stop (about three seconds of a core).
/// </summary>
public sealed class SharedGridServer : IAsyncLifetime
{
    public GridServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GridServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
