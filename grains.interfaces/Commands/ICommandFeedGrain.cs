namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// Fans command events out to subscribers of a wider scope than one device. Keys:
/// <c>network:{id}</c>, <c>devicetype:{id}</c>, and <c>all</c>.
/// </summary>
[Alias("cg.ICommandFeedGrain")]
public interface ICommandFeedGrain : IGrainWithStringKey
{
    Task SubscribeAsync(ICommandFeedObserver observer);

    Task UnsubscribeAsync(ICommandFeedObserver observer);

    /// <summary>An event from a command grain on <paramref name="publisher"/>, the silo told when nobody listens.</summary>
    [OneWay]
    Task PublishAsync(CommandEvent commandEvent, SiloAddress publisher);
}

public static class CommandFeeds
{
    public const string All = "all";

    public static string Network(long id) => $"network:{id}";

    public static string DeviceType(long id) => $"devicetype:{id}";
}

[GenerateSerializer, Alias("cg.CommandEventKind")]
public enum CommandEventKind
{
    Inserted,
    Updated,
}

[GenerateSerializer, Immutable, Alias("cg.CommandEvent")]
public sealed record CommandEvent(CommandEventKind Kind, CommandRecord Command);

[Alias("cg.ICommandFeedObserver")]
public interface ICommandFeedObserver : IGrainObserver
{
    // One-way: a grain never waits on a gateway connection, and a dead one costs it nothing.
    [OneWay]
    Task OnCommandEvent(CommandEvent commandEvent);
}
