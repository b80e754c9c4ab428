using CommandGrid.Grains.Interfaces;

namespace CommandGrid.Storage.Queries;

/// <summary>
/// What the grains ask of the stored executions and devices, in their own terms. The storage side
/// answers from its indexed tables; a grain never names a table or a column, nor decodes a row.
/// A page comes back in the grain's own state type (<typeparamref name="TState"/>), read with the
/// serializer the grain storage writes with.
/// </summary>
public interface IGridQueries
{
    /// <summary>The ids of the device's commands still PENDING, oldest first.</summary>
    IAsyncEnumerable<long> PendingCommandIdsAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> of the thing's executions of fleet jobs in the given statuses, oldest first.</summary>
    Task<IReadOnlyList<TState>> ThingJobExecutionsAsync<TState>(string deviceId, IReadOnlyList<string> statuses, int limit, CancellationToken cancellationToken = default);

    /// <summary>The ids of the commands not yet final whose expiry is before <paramref name="now"/>, most overdue first within each status.</summary>
    IAsyncEnumerable<long> OverdueCommandIdsAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>One keyset page of executions, ordered by creation (newest first unless the query says otherwise), then by key.</summary>
    /// <exception cref="ArgumentException">The cursor is not one this store made.</exception>
    Task<StoredPage<TState>> CommandsAsync<TState>(CommandQuery query, CancellationToken cancellationToken = default);

    /// <summary>One keyset page of devices, oldest first, filtered by exact name and network when given.</summary>
    /// <exception cref="ArgumentException">The cursor is not one this store made.</exception>
    Task<StoredPage<TState>> DevicesAsync<TState>(string? name, long? networkId, string? cursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// One keyset page of the devices a dynamic group's query matches, oldest first. Network and device type are
    /// filtered in the query, attributes on the rows read; so a page may hold fewer than <paramref name="limit"/>
    /// devices and still have a next one.
    /// </summary>
    /// <exception cref="ArgumentException">The cursor is not one this store made.</exception>
    Task<StoredPage<TState>> MatchingDevicesAsync<TState>(ThingQuery query, string? cursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>One keyset page of thing groups, oldest first.</summary>
    Task<StoredPage<TState>> GroupsAsync<TState>(string? cursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many things the group has, when one count tells: a static group's members, a dynamic group's matches by
    /// network or device type. Null when only reading the rows could tell (a query on attributes, or on nothing).
    /// </summary>
    Task<long?> GroupSizeAsync(ThingGroupRecord group, CancellationToken cancellationToken = default);

    /// <summary>One keyset page of a static group's members, in the order they joined.</summary>
    Task<StoredPage<TState>> GroupMembersAsync<TState>(string group, string? cursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>One keyset page of jobs, newest first, of one status when given.</summary>
    Task<StoredPage<TState>> JobsAsync<TState>(string? status, string? cursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="thingIds"/> already have an execution of the job: one indexed lookup for a page of things.</summary>
    Task<IReadOnlySet<string>> ThingsWithJobExecutionAsync(string jobId, IReadOnlyList<string> thingIds, CancellationToken cancellationToken = default);

    /// <summary>How many executions of the job are stored, per status: one indexed count, exact whatever was retried.</summary>
    Task<IReadOnlyDictionary<string, long>> JobExecutionCountsAsync(string jobId, CancellationToken cancellationToken = default);
}
