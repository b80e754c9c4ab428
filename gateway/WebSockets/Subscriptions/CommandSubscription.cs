using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Observers;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>
/// One command/subscribe of a connection. Events reach it through a grain observer; it filters
/// them and queues the pushes. Until <see cref="Open"/> (after the subscribe reply is queued and
/// the replay is read) live events are held back, so the client sees the reply, then the
/// replayed commands, then the live ones — each command once.
/// </summary>
internal abstract class CommandSubscription(long id, WsSession session, TokenPayload token, SubscriptionFilter filter, CommandService commands)
{
    private readonly object _gate = new();
    private readonly RecentKeys _pushed = new(4096);
    private List<(bool Inserted, CommandRecord Command)>? _held = [];
    private ObserverSubscription? _grid;

    public long Id { get; } = id;

    public SubscriptionFilter Filter { get; } = filter;

    public DateTimeOffset CreatedAt { get; } = session.Clock.GetUtcNow();

    protected WsSession Session { get; } = session;

    protected TokenPayload Token { get; } = token;

    protected CommandService Commands { get; } = commands;

    /// <summary>Whether a command pushed here counts as handed to the device (marks it SENT).</summary>
    protected abstract bool Delivers { get; }

    /// <summary>Subscribes the observer to its grains; it renews itself until detached.</summary>
    public Task AttachAsync()
    {
        _grid = Subscribe(Session.RenewEvery);
        return _grid.StartAsync();
    }

    /// <summary>Leaves the grains and deletes the observer reference.</summary>
    public async Task DetachAsync()
    {
        if (_grid is { } grid)
        {
            await grid.DisposeAsync();
        }
    }

    /// <summary>This subscription's observer on its grains, not yet started.</summary>
    protected abstract ObserverSubscription Subscribe(TimeSpan renewEvery);

    public virtual bool Matches(CommandRecord command) =>
        (Filter.Names is null || Filter.Names.Contains(command.Command))
        && Token.AllowsDevice(command.DeviceId, command.NetworkId, command.DeviceTypeId);

    /// <summary>Pushes the replayed commands, then what was held back, then lets live events through.</summary>
    public void Open(IEnumerable<CommandRecord> replay)
    {
        lock (_gate)
        {
            foreach (var command in replay)
            {
                Emit(true, command);
            }
            foreach (var (inserted, command) in _held ?? [])
            {
                Emit(inserted, command);
            }
            _held = null;
        }
    }

    protected void OnInserted(CommandRecord command) => OnEvent(true, command);

    protected void OnUpdated(CommandRecord command)
    {
        if (Filter.ReturnUpdatedCommands)
        {
            OnEvent(false, command);
        }
    }

    private void OnEvent(bool inserted, CommandRecord command)
    {
        if (!Matches(command))
        {
            return;
        }
        lock (_gate)
        {
            if (_held is not null)
            {
                _held.Add((inserted, command));
                return;
            }
            Emit(inserted, command);
        }
    }

    private void Emit(bool inserted, CommandRecord command)
    {
        var key = inserted
            ? $"i:{command.Id}"
            : $"u:{command.Id}:{command.LastUpdated.UtcTicks}:{command.Status}:{command.DeviceStatus}";
        if (!_pushed.Add(key))
        {
            return;
        }
        Func<Task>? afterSent = null;
        if (inserted && Delivers && command.Status == CommandStatus.Pending)
        {
            // Once the push is written the command grain records SENT (and tells its device grain, which drops it from its queue).
            var (device, id) = (command.DeviceId, command.Id);
            afterSent = () => Commands.MarkSentAsync(device, id);
            // This push is the delivery, so it shows the status the grid records for it.
            command = command with { Status = CommandStatus.Sent };
        }
        Session.Push(DeviceHiveJson.Push(inserted ? "command/insert" : "command/update", command, Id), afterSent);
    }
}
