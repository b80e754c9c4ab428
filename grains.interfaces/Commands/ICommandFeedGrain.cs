using CommandGrid.Runtime;

namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// Fans command events out to subscribers of a wider scope than one device. Keys:
/// <c>network:{id}</c>, <c>devicetype:{id}</c>, and <c>all</c>.
/// </summary>
[GrainType("commandfeed")]
public interface ICommandFeedGrain : IGrainWithStringKey
{
    Task SubscribeAsync(ICommandFeedObserver observer);

    Task UnsubscribeAsync(ICommandFeedObserver observer);

    [OneWay]
    Task PublishAsync(CommandEvent commandEvent);
}

public static class CommandFeeds
{
    public const string All = "all";

    public static string Network(long id) => $"network:{id}";

    public static string DeviceType(long id) => $"devicetype:{id}";
}

public enum CommandEventKind
{
    Inserted,
    Updated,
}

public sealed record CommandEvent(CommandEventKind Kind, CommandRecord Command);

public interface ICommandFeedObserver : IGrainObserver
{
    Task OnCommandEvent(CommandEvent commandEvent);
}
