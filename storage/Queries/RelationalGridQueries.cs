using System.Runtime.CompilerServices;
using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Storage.Queries;

/// <summary>The grains' questions as keyset queries on the grid's indexed tables (<see cref="GridTables"/>).</summary>
internal sealed class RelationalGridQueries(IIndexedStateQuery store) : IGridQueries
{
    // The page size of the scans that read every matching row (the device queue, the overdue sweep).
    private const int ScanPage = 500;

    /// <summary>A device's queue: its PENDING commands in creation order (served by a composite index, <see cref="GridTables"/>).</summary>
    internal static IndexQuery DeviceQueue(string deviceId) => new(
        GridTables.Commands.TableName,
        [Equal(GridTables.Command.DeviceId, deviceId), Equal(GridTables.Command.Status, CommandStatus.Pending)],
        GridTables.CreatedAt, Descending: false, After: null, ScanPage);

    /// <summary>The commands in one open status due before a time, most overdue first.</summary>
    internal static IndexQuery Overdue(string status, DateTimeOffset now) => new(
        GridTables.Commands.TableName,
        [Equal(GridTables.Command.Status, status),
         new ColumnFilter(GridTables.Command.ExpiresAt, FilterOperator.Less, now.ToUnixTimeMilliseconds())],
        GridTables.Command.ExpiresAt, Descending: false, After: null, ScanPage);

    /// <summary>
    /// A job's executions for some of its things. Ordered by device, so that the (job, device) index serves the filter
    /// and the order alike: ordered by creation, a planner without statistics walks every execution of the job instead.
    /// </summary>
    internal static IndexQuery JobExecutionsOf(string jobId, IReadOnlyList<string> thingIds) => new(
        GridTables.Commands.TableName,
        [Equal(GridTables.Command.JobId, jobId), new ColumnFilter(GridTables.Command.DeviceId, FilterOperator.In, thingIds.Cast<object>().ToArray())],
        GridTables.Command.DeviceId, Descending: false, After: null, ScanPage);

    /// <summary>A thing's job executions in some statuses, oldest first (the device's queue index, then the job filter on its rows).</summary>
    internal static IndexQuery ThingJobExecutions(string deviceId, IReadOnlyList<string> statuses, int limit) => new(
        GridTables.Commands.TableName,
        [Equal(GridTables.Command.DeviceId, deviceId),
         new ColumnFilter(GridTables.Command.Status, FilterOperator.In, statuses.Cast<object>().ToArray()),
         new ColumnFilter(GridTables.Command.JobId, FilterOperator.NotNull, true)],
        GridTables.CreatedAt, Descending: false, After: null, limit);

    public async Task<IReadOnlyList<TState>> ThingJobExecutionsAsync<TState>(
        string deviceId, IReadOnlyList<string> statuses, int limit, CancellationToken cancellationToken = default)
    {
        var rows = await store.QueryAsync(ThingJobExecutions(deviceId, statuses, limit), cancellationToken);
        return [.. rows.Select(row => StateJson.Read<TState>(row.Payload))];
    }

    public async IAsyncEnumerable<long> PendingCommandIdsAsync(string deviceId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in store.QueryAllAsync(DeviceQueue(deviceId), cancellationToken))
        {
            yield return GridTables.CommandIdOf(row);
        }
    }

    public async IAsyncEnumerable<long> OverdueCommandIdsAsync(DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var status in CommandStatus.Open)
        {
            await foreach (var row in store.QueryAllAsync(Overdue(status, now), cancellationToken))
            {
                yield return GridTables.CommandIdOf(row);
            }
        }
    }

    public Task<StoredPage<TState>> CommandsAsync<TState>(CommandQuery query, CancellationToken cancellationToken = default)
    {
        var filters = new List<ColumnFilter>();
        AddEqual(filters, GridTables.Command.DeviceId, query.DeviceId);
        AddEqual(filters, GridTables.Command.Action, query.Command);
        AddEqual(filters, GridTables.Command.Status, query.Status);
        AddEqual(filters, GridTables.Command.JobId, query.JobId);
        if (query.From is { } from)
        {
            filters.Add(new ColumnFilter(GridTables.Command.Timestamp, FilterOperator.GreaterOrEqual, from.ToUnixTimeMilliseconds()));
        }
        if (query.To is { } to)
        {
            filters.Add(new ColumnFilter(GridTables.Command.Timestamp, FilterOperator.Less, to.ToUnixTimeMilliseconds()));
        }
        return PageAsync<TState>(GridTables.Commands, filters, query.Descending, query.Cursor, query.Limit, cancellationToken);
    }

    public Task<StoredPage<TState>> DevicesAsync<TState>(string? name, long? networkId, string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        var filters = new List<ColumnFilter>();
        AddEqual(filters, GridTables.Device.Name, name);
        AddEqual(filters, GridTables.Device.NetworkId, networkId);
        return PageAsync<TState>(GridTables.Devices, filters, descending: false, cursor, limit, cancellationToken);
    }

    public async Task<StoredPage<TState>> MatchingDevicesAsync<TState>(ThingQuery query, string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        var filters = new List<ColumnFilter>();
        AddEqual(filters, GridTables.Device.NetworkId, query.NetworkId);
        AddEqual(filters, GridTables.Device.DeviceTypeId, query.DeviceTypeId);
        var after = PageCursor.Decode(cursor, integerOrder: true);
        var rows = await store.QueryAsync(new IndexQuery(GridTables.Devices.TableName, filters, GridTables.CreatedAt, false, after, limit + 1), cancellationToken);
        var page = rows.Count > limit ? rows.Take(limit).ToArray() : rows;
        var next = rows.Count > limit ? PageCursor.Encode(new IndexCursor(page[^1].OrderValue, page[^1].Key)) : null;
        var matching = page.Where(row => DeviceAttributes.Match(row.Payload, GridTables.Device.DataProperty, query.Attributes));
        return new StoredPage<TState>([.. matching.Select(row => StateJson.Read<TState>(row.Payload))], next);
    }

    public Task<StoredPage<TState>> GroupsAsync<TState>(string? cursor, int limit, CancellationToken cancellationToken = default) =>
        PageAsync<TState>(GridTables.Groups, [], descending: false, cursor, limit, cancellationToken);

    public async Task<long?> GroupSizeAsync(ThingGroupRecord group, CancellationToken cancellationToken = default)
    {
        CountQuery count;
        if (group.Query is not { } query)
        {
            count = new CountQuery(GridTables.Members.TableName, [Equal(GridTables.Member.Group, group.Name)], GridTables.Member.Group);
        }
        else if (query.Attributes is { Count: > 0 } || (query.NetworkId is null && query.DeviceTypeId is null))
        {
            return null;
        }
        else
        {
            var filters = new List<ColumnFilter>();
            AddEqual(filters, GridTables.Device.NetworkId, query.NetworkId);
            AddEqual(filters, GridTables.Device.DeviceTypeId, query.DeviceTypeId);
            // Grouped by a column the filter holds to one value: one row, the count.
            count = new CountQuery(GridTables.Devices.TableName, filters, query.NetworkId is not null ? GridTables.Device.NetworkId : GridTables.Device.DeviceTypeId);
        }
        return (await store.CountAsync(count, cancellationToken)).Values.Sum();
    }

    public Task<StoredPage<TState>> GroupMembersAsync<TState>(string group, string? cursor, int limit, CancellationToken cancellationToken = default) =>
        PageAsync<TState>(GridTables.Members, [Equal(GridTables.Member.Group, group)], descending: false, cursor, limit, cancellationToken);

    public Task<StoredPage<TState>> JobsAsync<TState>(string? status, string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        var filters = new List<ColumnFilter>();
        AddEqual(filters, GridTables.Job.Status, status);
        return PageAsync<TState>(GridTables.Jobs, filters, descending: true, cursor, limit, cancellationToken);
    }

    public Task<IReadOnlyDictionary<string, long>> JobExecutionCountsAsync(string jobId, CancellationToken cancellationToken = default) =>
        store.CountAsync(new CountQuery(GridTables.Commands.TableName, [Equal(GridTables.Command.JobId, jobId)], GridTables.Command.Status), cancellationToken);

    public async Task<IReadOnlySet<string>> ThingsWithJobExecutionAsync(string jobId, IReadOnlyList<string> thingIds, CancellationToken cancellationToken = default)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in thingIds.Distinct(StringComparer.Ordinal).Chunk(ScanPage))
        {
            await foreach (var row in store.QueryAllAsync(JobExecutionsOf(jobId, chunk), cancellationToken))
            {
                found.Add(GridTables.DeviceIdOf(row));
            }
        }
        return found;
    }

    // One row more than the page tells whether another page follows; the cursor points after the page's last row.
    private async Task<StoredPage<TState>> PageAsync<TState>(
        IndexedTableSpec table, List<ColumnFilter> filters, bool descending, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var after = PageCursor.Decode(cursor, integerOrder: true);
        var rows = await store.QueryAsync(new IndexQuery(table.TableName, filters, GridTables.CreatedAt, descending, after, limit + 1), cancellationToken);
        var page = rows.Count > limit ? rows.Take(limit).ToArray() : rows;
        var end = page.Count > 0 ? PageCursor.Encode(new IndexCursor(page[^1].OrderValue, page[^1].Key)) : null;
        return new StoredPage<TState>([.. page.Select(row => StateJson.Read<TState>(row.Payload))], rows.Count > limit ? end : null, end);
    }

    private static ColumnFilter Equal(string column, string value) => new(column, FilterOperator.Equal, value);

    private static void AddEqual(List<ColumnFilter> filters, string column, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            filters.Add(Equal(column, value));
        }
    }

    private static void AddEqual(List<ColumnFilter> filters, string column, long? value)
    {
        if (value is { } number)
        {
            filters.Add(new ColumnFilter(column, FilterOperator.Equal, number));
        }
    }
}
