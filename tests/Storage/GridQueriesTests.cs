using System.Collections.Immutable;
using CommandGrid.Grains.Commands;
using CommandGrid.Grains.Devices;
using CommandGrid.Grains.Interfaces;
using CommandGrid.Storage;
using CommandGrid.Storage.Queries;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

/// <summary>The query seam on the relational store, on the grains' own state types, the way the silo stores them.</summary>
public sealed class GridQueriesTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Base = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Grid(TestDatabase Db, RelationalStore Store, IGridQueries Queries) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            await Db.DisposeAsync();
        }

        public async Task<long> CommandAsync(string device, string status, long createdMs, int lifetimeSeconds = 60, string action = "reboot", string? jobId = null)
        {
            var id = Random.Shared.NextInt64(1, 1L << 53);
            var created = Base.AddMilliseconds(createdMs);
            var state = new CommandState
            {
                Id = id, DeviceId = device, Command = action, Status = status, Lifetime = lifetimeSeconds,
                TimestampMs = created.ToUnixTimeMilliseconds(), CreatedAtMs = created.ToUnixTimeMilliseconds(), LastUpdatedMs = created.ToUnixTimeMilliseconds(),
                ExpiresAtMs = created.AddSeconds(lifetimeSeconds).ToUnixTimeMilliseconds(), JobId = jobId,
            };
            await Store.WriteAsync("command", new StorageKey("command", id.ToString("x", System.Globalization.CultureInfo.InvariantCulture)), StateJson.Write(state), null);
            return id;
        }

        public Task DeviceAsync(string id, string name, long? network, long createdMs, string? dataJson = null, long? deviceType = null) =>
            Store.WriteAsync("device", new StorageKey("device", id), StateJson.Write(new DeviceState
            {
                Id = id, Name = name, NetworkId = network, CreatedAtMs = Base.AddMilliseconds(createdMs).ToUnixTimeMilliseconds(),
                DataJson = dataJson, DeviceTypeId = deviceType,
            }), null);
    }

    private async Task<Grid?> OpenAsync(string provider)
    {
        var db = TestDatabase.TryCreate(provider, output);
        if (db is null)
        {
            return null;
        }
        var store = new RelationalStore(new RelationalStorageOptions
        {
            Provider = db.Provider, ConnectionString = db.ConnectionString, IndexedTables = [.. GridTables.All],
        }, db.Metrics);
        await store.InitializeAsync();
        return new Grid(db, store, new RelationalGridQueries(store));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GridQueries_PendingIdsOfOneDeviceOldestFirst(string provider)
    {
        await using var grid = await OpenAsync(provider);
        if (grid is null) return;
        var device = TestDatabase.NewKey("dev");
        var newest = await grid.CommandAsync(device, CommandStatus.Pending, 300);
        var oldest = await grid.CommandAsync(device, CommandStatus.Pending, 100);
        var middle = await grid.CommandAsync(device, CommandStatus.Pending, 200);
        await grid.CommandAsync(device, CommandStatus.Sent, 150);
        await grid.CommandAsync(TestDatabase.NewKey("other"), CommandStatus.Pending, 100);

        Assert.Equal([oldest, middle, newest], await grid.Queries.PendingCommandIdsAsync(device).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GridQueries_OverdueAreTheOpenCommandsPastTheirExpiry(string provider)
    {
        await using var grid = await OpenAsync(provider);
        if (grid is null) return;
        var device = TestDatabase.NewKey("dev");
        var later = await grid.CommandAsync(device, CommandStatus.Pending, 2_000, lifetimeSeconds: 10);
        var earlier = await grid.CommandAsync(device, CommandStatus.Pending, 1_000, lifetimeSeconds: 10);
        var sent = await grid.CommandAsync(device, CommandStatus.Sent, 0, lifetimeSeconds: 10);
        var running = await grid.CommandAsync(device, CommandStatus.InProgress, 0, lifetimeSeconds: 10);
        var notDue = await grid.CommandAsync(device, CommandStatus.Pending, 0, lifetimeSeconds: 600);
        var final = await grid.CommandAsync(device, CommandStatus.Succeeded, 0, lifetimeSeconds: 10);

        // The shared PostgreSQL database holds other tests' rows too: assert on this test's own.
        var overdue = await grid.Queries.OverdueCommandIdsAsync(Base.AddSeconds(20)).ToListAsync();

        Assert.Subset(overdue.ToHashSet(), new HashSet<long> { later, earlier, sent, running });
        Assert.DoesNotContain(notDue, overdue);
        Assert.DoesNotContain(final, overdue);
        Assert.True(overdue.IndexOf(earlier) < overdue.IndexOf(later), "the most overdue first");
        Assert.DoesNotContain(later, await grid.Queries.OverdueCommandIdsAsync(Base.AddSeconds(12)).ToListAsync());
    }

    [Fact]
    public async Task GridQueries_DeviceQueueOverdueSweepAndJobLookupSeekTheirRowsOnSqlite()
    {
        // At a million pending rows a plan that filters one column's index and sorts reads them all, in one grain turn.
        await using var grid = await OpenAsync(RelationalStorageOptions.Sqlite);
        Assert.NotNull(grid);
        var table = new IndexedStateTable(GridTables.Commands);
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(grid.Db.ConnectionString);
        await connection.OpenAsync();
        foreach (var (query, index) in new[]
        {
            (RelationalGridQueries.DeviceQueue("dev-1"), "ix_commands_device_id_status_created_at"),
            (RelationalGridQueries.Overdue(CommandStatus.Pending, Base), "ix_commands_status_expires_at"),
            (RelationalGridQueries.JobExecutionsOf("job-1", ["dev-1", "dev-2"]), "ix_commands_job_id_device_id_set"),
        })
        {
            await using var explain = IndexQuerySql.Build(table, query).CreateCommand(connection);
            explain.CommandText = "EXPLAIN QUERY PLAN " + explain.CommandText;
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(3));
                }
            }
            Assert.Contains(plan, step => step.Contains($"USING INDEX {index} ", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GridQueries_CommandPagesAreFilteredAndKeysetPaged(string provider)
    {
        await using var grid = await OpenAsync(provider);
        if (grid is null) return;
        var device = TestDatabase.NewKey("dev");
        var reboots = new List<long>();
        for (var i = 0; i < 25; i++)
        {
            reboots.Add(await grid.CommandAsync(device, CommandStatus.Pending, i * 10));
        }
        var blink = await grid.CommandAsync(device, CommandStatus.Pending, 500, action: "blink");
        var done = await grid.CommandAsync(device, CommandStatus.Succeeded, 600, action: "blink");

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await grid.Queries.CommandsAsync<CommandState>(new CommandQuery(DeviceId: device, Command: "reboot", Cursor: cursor, Limit: 10));
            Assert.True(page.Items.Count <= 10);
            seen.AddRange(page.Items.Select(c => c.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.Equal(Enumerable.Reverse(reboots), seen);

        var blinks = await grid.Queries.CommandsAsync<CommandState>(new CommandQuery(DeviceId: device, Command: "blink", Status: CommandStatus.Pending));
        Assert.Equal([blink], blinks.Items.Select(c => c.Id));
        Assert.Null(blinks.NextCursor);
        var window = await grid.Queries.CommandsAsync<CommandState>(new CommandQuery(
            DeviceId: device, From: Base.AddMilliseconds(500), To: Base.AddMilliseconds(601), Descending: false));
        Assert.Equal([blink, done], window.Items.Select(c => c.Id));
        await Assert.ThrowsAsync<ArgumentException>(() => grid.Queries.CommandsAsync<CommandState>(new CommandQuery(DeviceId: device, Cursor: "not a cursor")));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GridQueries_DevicePagesByNameAndNetwork(string provider)
    {
        await using var grid = await OpenAsync(provider);
        if (grid is null) return;
        var name = TestDatabase.NewKey("name");
        var network = Random.Shared.NextInt64(1L << 40, 1L << 50);
        var ids = Enumerable.Range(0, 5).Select(i => TestDatabase.NewKey($"d{i}")).ToArray();
        for (var i = 0; i < ids.Length; i++)
        {
            await grid.DeviceAsync(ids[i], name, i < 3 ? network : null, i * 10);
        }

        var first = await grid.Queries.DevicesAsync<DeviceState>(name, null, null, 3);
        var rest = await grid.Queries.DevicesAsync<DeviceState>(name, null, first.NextCursor, 3);
        var inNetwork = await grid.Queries.DevicesAsync<DeviceState>(null, network, null, 10);

        Assert.Equal(ids, first.Items.Concat(rest.Items).Select(d => d.Id));
        Assert.Null(rest.NextCursor);
        Assert.Equal(ids[..3], inNetwork.Items.Select(d => d.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GridQueries_JobCountsAreOneCountPerStatusOfTheJobsExecutions(string provider)
    {
        await using var grid = await OpenAsync(provider);
        if (grid is null) return;
        var job = TestDatabase.NewKey("job");
        await grid.CommandAsync(TestDatabase.NewKey("a"), CommandStatus.Succeeded, 100, jobId: job);
        await grid.CommandAsync(TestDatabase.NewKey("b"), CommandStatus.Succeeded, 110, jobId: job);
        await grid.CommandAsync(TestDatabase.NewKey("c"), CommandStatus.Pending, 120, jobId: job);
        await grid.CommandAsync(TestDatabase.NewKey("d"), CommandStatus.Pending, 130, jobId: TestDatabase.NewKey("other"));
        await grid.CommandAsync(TestDatabase.NewKey("e"), CommandStatus.Pending, 140);

        var counts = await grid.Queries.JobExecutionCountsAsync(job);

        Assert.Equal(2, counts.Count);
        Assert.Equal(2, counts[CommandStatus.Succeeded]);
        Assert.Equal(1, counts[CommandStatus.Pending]);
        var page = await grid.Queries.CommandsAsync<CommandState>(new CommandQuery(Status: CommandStatus.Pending, Limit: 10, JobId: job));
        Assert.Single(page.Items);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GridQueries_MatchingDevicesFilterByNetworkTypeAndAttributes(string provider)
    {
        await using var grid = await OpenAsync(provider);
        if (grid is null) return;
        var floor = TestDatabase.NewKey("floor");
        var network = Random.Shared.NextInt64(1, 1L << 40);
        var match1 = TestDatabase.NewKey("m1");
        var match2 = TestDatabase.NewKey("m2");
        await grid.DeviceAsync(match1, "m1", network, 100, $$"""{"floor":"{{floor}}","level":3}""", deviceType: 7);
        await grid.DeviceAsync(TestDatabase.NewKey("x1"), "x1", network, 110, """{"floor":"ground","level":3}""", deviceType: 7);
        await grid.DeviceAsync(TestDatabase.NewKey("x2"), "x2", network, 120, $$"""{"floor":"{{floor}}","level":3}""", deviceType: 8);
        await grid.DeviceAsync(TestDatabase.NewKey("x3"), "x3", network, 125, null, deviceType: 7);
        await grid.DeviceAsync(match2, "m2", network, 130, $$"""{"floor":"{{floor}}","level":3,"extra":true}""", deviceType: 7);

        var query = new ThingQuery(network, 7, new Dictionary<string, string> { ["floor"] = floor, ["level"] = "3" }.ToImmutableDictionary());
        var found = new List<string>();
        string? cursor = null;
        do
        {
            var page = await grid.Queries.MatchingDevicesAsync<DeviceState>(query, cursor, 2);
            found.AddRange(page.Items.Select(d => d.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal([match1, match2], found);
    }
}
