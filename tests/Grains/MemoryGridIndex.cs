using System.Collections.Concurrent;
using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Devices;
using CommandGrid.Grains.Groups;
using CommandGrid.Grains.Jobs;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage;
using CommandGrid.Storage.Queries;
using Orleans.Runtime;
using Orleans.Serialization;

namespace CommandGrid.Tests.Grains;

/// <summary>
/// The query seam on Orleans' memory storage: an index of the command and device states written
/// through <see cref="IndexedMemoryGrainStorage"/>, answering what the relational tables answer
/// (same filters, same keyset order of sort value then grain key, same cursors). It sees the
/// writes of its own silo only, so the grain test cluster has one silo.
/// </summary>
internal sealed class MemoryGridIndex(DeepCopier copier) : IGridQueries
{
    private readonly ConcurrentDictionary<GrainId, CommandState> _commands = new();
    private readonly ConcurrentDictionary<GrainId, DeviceState> _devices = new();
    private readonly ConcurrentDictionary<GrainId, ThingGroupState> _groups = new();
    private readonly ConcurrentDictionary<GrainId, GroupMemberState> _members = new();
    private readonly ConcurrentDictionary<GrainId, JobState> _jobs = new();

    /// <summary>Keeps a copy of what was stored: the grain goes on changing its own state object.</summary>
    public void Stored(GrainId grain, object? state)
    {
        switch (state)
        {
            case CommandState command:
                _commands[grain] = copier.Copy(command);
                break;
            case DeviceState device:
                _devices[grain] = copier.Copy(device);
                break;
            case ThingGroupState group:
                _groups[grain] = copier.Copy(group);
                break;
            case GroupMemberState member:
                _members[grain] = copier.Copy(member);
                break;
            case JobState job:
                _jobs[grain] = copier.Copy(job);
                break;
        }
    }

    public void Cleared(GrainId grain)
    {
        _commands.TryRemove(grain, out _);
        _devices.TryRemove(grain, out _);
        _groups.TryRemove(grain, out _);
        _members.TryRemove(grain, out _);
        _jobs.TryRemove(grain, out _);
    }

    public IAsyncEnumerable<long> PendingCommandIdsAsync(string deviceId, CancellationToken cancellationToken = default) =>
        Ids(Rows(_commands, c => c.CreatedAtMs, descending: false)
            .Where(r => r.State.DeviceId == deviceId && r.State.Status == CommandStatus.Pending));

    public Task<IReadOnlyList<TState>> ThingJobExecutionsAsync<TState>(string deviceId, IReadOnlyList<string> statuses, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TState>>([.. Rows(_commands, c => c.CreatedAtMs, descending: false)
            .Where(r => r.State.DeviceId == deviceId && r.State.JobId is not null && statuses.Contains(r.State.Status))
            .Take(limit).Select(r => (TState)(object)r.State)]);

    public IAsyncEnumerable<long> OverdueCommandIdsAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Ids(CommandStatus.Open.SelectMany(status => Rows(_commands, c => c.ExpiresAtMs, descending: false)
            .Where(r => r.State.Status == status && r.State.ExpiresAtMs < now.ToUnixTimeMilliseconds())));

    public Task<StoredPage<TState>> CommandsAsync<TState>(CommandQuery query, CancellationToken cancellationToken = default)
    {
        var rows = Rows(_commands, c => c.CreatedAtMs, query.Descending).Where(r =>
            Matches(query.DeviceId, r.State.DeviceId) && Matches(query.Command, r.State.Command) && Matches(query.Status, r.State.Status)
            && (string.IsNullOrEmpty(query.JobId) || query.JobId == r.State.JobId)
            && (query.From is not { } from || r.State.TimestampMs >= from.ToUnixTimeMilliseconds())
            && (query.To is not { } to || r.State.TimestampMs < to.ToUnixTimeMilliseconds()));
        return Task.FromResult(Page<CommandState, TState>(rows, query.Descending, query.Cursor, query.Limit));
    }

    public Task<StoredPage<TState>> DevicesAsync<TState>(string? name, long? networkId, string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        var rows = Rows(_devices, d => d.CreatedAtMs, descending: false)
            .Where(r => Matches(name, r.State.Name) && (networkId is null || r.State.NetworkId == networkId));
        return Task.FromResult(Page<DeviceState, TState>(rows, descending: false, cursor, limit));
    }

    public Task<StoredPage<TState>> MatchingDevicesAsync<TState>(ThingQuery query, string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        // The same keyset page as the relational store's: the page is cut first, then its attributes are matched.
        var rows = Rows(_devices, d => d.CreatedAtMs, descending: false)
            .Where(r => (query.NetworkId is null || r.State.NetworkId == query.NetworkId) && (query.DeviceTypeId is null || r.State.DeviceTypeId == query.DeviceTypeId));
        var page = Page<DeviceState, DeviceState>(rows, descending: false, cursor, limit);
        var matching = page.Items.Where(d => DeviceAttributes.Match(StateJson.Write(d), GridTables.Device.DataProperty, query.Attributes));
        return Task.FromResult(new StoredPage<TState>([.. matching.Cast<TState>()], page.NextCursor));
    }

    public Task<StoredPage<TState>> GroupsAsync<TState>(string? cursor, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult(Page<ThingGroupState, TState>(Rows(_groups, g => g.CreatedAtMs, descending: false), descending: false, cursor, limit));

    public Task<StoredPage<TState>> GroupMembersAsync<TState>(string group, string? cursor, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult(Page<GroupMemberState, TState>(
            Rows(_members, m => m.CreatedAtMs, descending: false).Where(r => r.State.Group == group), descending: false, cursor, limit));

    public Task<StoredPage<TState>> JobsAsync<TState>(string? status, string? cursor, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult(Page<JobState, TState>(
            Rows(_jobs, j => j.CreatedAtMs, descending: true).Where(r => Matches(status, r.State.Status)), descending: true, cursor, limit));

    public Task<long?> GroupSizeAsync(ThingGroupRecord group, CancellationToken cancellationToken = default) =>
        Task.FromResult<long?>(group.Query switch
        {
            null => _members.Values.Count(m => m.Group == group.Name),
            { Attributes.Count: > 0 } or { NetworkId: null, DeviceTypeId: null } => null,
            var query => _devices.Values.Count(d => (query.NetworkId is null || d.NetworkId == query.NetworkId) && (query.DeviceTypeId is null || d.DeviceTypeId == query.DeviceTypeId)),
        });

    public Task<IReadOnlySet<string>> ThingsWithJobExecutionAsync(string jobId, IReadOnlyList<string> thingIds, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlySet<string>>(_commands.Values.Where(c => c.JobId == jobId && thingIds.Contains(c.DeviceId))
            .Select(c => c.DeviceId).ToHashSet(StringComparer.Ordinal));

    public Task<IReadOnlyDictionary<string, long>> JobExecutionCountsAsync(string jobId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyDictionary<string, long>>(_commands.Values.Where(c => c.JobId == jobId)
            .GroupBy(c => c.Status).ToDictionary(g => g.Key, g => (long)g.Count()));

    private StoredPage<TState> Page<TStored, TState>(IEnumerable<Row<TStored>> rows, bool descending, string? cursor, int limit)
        where TStored : class
    {
        if (typeof(TState) != typeof(TStored))
        {
            throw new ArgumentException($"These states are stored as {typeof(TStored).Name}, not {typeof(TState).Name}.");
        }
        if (PageCursor.Decode(cursor, integerOrder: true) is { } after)
        {
            var last = new Row<TStored>((long)after.OrderValue, after.Key, null!);
            rows = rows.Where(r => Compare(r, last) * (descending ? -1 : 1) > 0);
        }
        var taken = rows.Take(limit + 1).ToList();
        var page = taken.Take(limit).ToList();
        var end = page.Count > 0 ? PageCursor.Encode(new IndexCursor(page[^1].Order, page[^1].Key)) : null;
        return new StoredPage<TState>([.. page.Select(r => (TState)(object)copier.Copy(r.State))], taken.Count > limit ? end : null, end);
    }

    private static IEnumerable<Row<T>> Rows<T>(ConcurrentDictionary<GrainId, T> states, Func<T, long> order, bool descending)
    {
        var rows = states.Select(s => new Row<T>(order(s.Value), s.Key.Key.ToString()!, s.Value)).ToList();
        rows.Sort(Compare);
        if (descending)
        {
            rows.Reverse();
        }
        return rows;
    }

    private static int Compare<T>(Row<T> a, Row<T> b) =>
        a.Order != b.Order ? a.Order.CompareTo(b.Order) : string.CompareOrdinal(a.Key, b.Key);

    private static bool Matches(string? wanted, string value) => string.IsNullOrEmpty(wanted) || wanted == value;

    private static IAsyncEnumerable<long> Ids(IEnumerable<Row<CommandState>> rows) => rows.Select(r => r.State.Id).ToAsyncEnumerable();

    private sealed record Row<T>(long Order, string Key, T State);
}
