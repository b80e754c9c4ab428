using CommandGrid.Storage;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

public sealed class IndexedTableTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> ProvidersAndDirections =>
        from p in TestDatabase.Providers
        from desc in new[] { false, true }
        select new object[] { p[0], desc };

    private static string Command(string device, string action, string status, long created, string? extra = null) =>
        $$"""{"deviceId":"{{device}}","action":"{{action}}","status":"{{status}}","created":{{created}}{{extra}}}""";

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task IndexedTable_ColumnsFilledFromPayloadAndQueryable(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var device = TestDatabase.NewKey("dev");
        var a = new StorageKey("test-command", TestDatabase.NewKey());
        var b = new StorageKey("test-command", TestDatabase.NewKey());
        var c = new StorageKey("test-command", TestDatabase.NewKey());
        var etagA = await store.WriteAsync("state", a, Command(device, "reboot", "PENDING", 100), null);
        await store.WriteAsync("state", b, Command(device, "update", "PENDING", 200), null);
        // A missing property is a NULL column, not an error; an ISO date fills an integer column as unix milliseconds.
        await store.WriteAsync("state", c, $$"""{"deviceId":"{{device}}","created":"2024-01-02T03:04:05.678Z"}""", null);

        Assert.Equal(Command(device, "reboot", "PENDING", 100), (await store.ReadAsync("state", a))!.Payload);
        // Another state name of the same grain type stays in the generic table.
        await store.WriteAsync("other", a, "[1,2]", null);

        var pending = await Query(store, [new("device", FilterOperator.Equal, device), new("status", FilterOperator.Equal, "PENDING")], "created");
        Assert.Equal([a.Key, b.Key], pending.Select(r => r.Key));
        Assert.Equal(100L, pending[0].OrderValue);
        Assert.Equal(etagA, pending[0].ETag);

        // Columns follow every write.
        var etagA2 = await store.WriteAsync("state", a, Command(device, "reboot", "SUCCEEDED", 100), etagA);
        pending = await Query(store, [new("device", FilterOperator.Equal, device), new("status", FilterOperator.Equal, "PENDING")], "created");
        Assert.Equal([b.Key], pending.Select(r => r.Key));
        var done = await Query(store, [new("device", FilterOperator.Equal, device), new("status", FilterOperator.Equal, "SUCCEEDED")], "created");
        Assert.Equal(etagA2, Assert.Single(done).ETag);

        var all = await Query(store, [new("device", FilterOperator.Equal, device)], "created");
        Assert.Equal([a.Key, b.Key, c.Key], all.Select(r => r.Key));
        Assert.Equal(DateTimeOffset.Parse("2024-01-02T03:04:05.678Z").ToUnixTimeMilliseconds(), all[2].OrderValue);

        // NULLs sort first ascending.
        var byStatus = await Query(store, [new("device", FilterOperator.Equal, device)], "status");
        Assert.Equal(c.Key, byStatus[0].Key);
        Assert.Equal(DBNull.Value, byStatus[0].OrderValue);

        var range = await Query(store, [new("device", FilterOperator.Equal, device), new("created", FilterOperator.GreaterOrEqual, 150), new("created", FilterOperator.Less, 250)], "created");
        Assert.Equal([b.Key], range.Select(r => r.Key));

        var byKey = await Query(store, [new("device", FilterOperator.Equal, device)], "grain_key");
        Assert.Equal(new[] { a.Key, b.Key, c.Key }.Order(StringComparer.Ordinal), byKey.Select(r => r.Key));

        await store.ClearAsync("state", b, (await store.ReadAsync("state", b))!.ETag);
        Assert.Equal(2, (await Query(store, [new("device", FilterOperator.Equal, device)], "created")).Count);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task IndexedTable_QueryRejectsUndeclaredColumns(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => Query(store, [new("payload", FilterOperator.Equal, "x")], "created"));
        await Assert.ThrowsAsync<ArgumentException>(() => Query(store, [], "device; DROP TABLE grain_state"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.QueryAsync(new IndexQuery("grain_state", [], "grain_key", false, null, 10)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.QueryAsync(new IndexQuery("test_commands", [], "grain_key", false, null, 0)));
    }

    [Theory]
    [MemberData(nameof(ProvidersAndDirections))]
    public async Task IndexedTable_KeysetPagingHasNoDuplicatesOrGaps(string provider, bool descending)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var device = TestDatabase.NewKey("dev");
        // Three rows share each created value, so the grain key must break ties; some rows have none.
        var existing = Enumerable.Range(0, 250).Select(i => (Key: TestDatabase.NewKey($"r{i:D3}"), Created: i % 10 == 9 ? (long?)null : i / 3)).ToList();
        await Task.WhenAll(existing.Select(r => store.WriteAsync("state", new StorageKey("test-command", r.Key),
            r.Created is { } created ? Command(device, "a", "PENDING", created) : $$"""{"deviceId":"{{device}}"}""", null)));

        using var stop = new CancellationTokenSource();
        var inserted = 0;
        var inserter = Task.Run(async () =>
        {
            var random = new Random(7);
            while (!stop.IsCancellationRequested)
            {
                var created = random.Next(-10, 100);
                await store.WriteAsync("state", new StorageKey("test-command", TestDatabase.NewKey("new")), Command(device, "a", "PENDING", created), null);
                Interlocked.Increment(ref inserted);
            }
        });

        var seen = new List<string>();
        IndexCursor? cursor = null;
        var pages = 0;
        while (true)
        {
            var page = await store.QueryAsync(new IndexQuery("test_commands", [new ColumnFilter("device", FilterOperator.Equal, device)], "created", descending, cursor, 20));
            if (page.Count == 0) break;
            pages++;
            seen.AddRange(page.Select(r => r.Key));
            cursor = new IndexCursor(page[^1].OrderValue, page[^1].Key);
            await Task.Delay(2);
        }
        await stop.CancelAsync();
        await inserter;

        output.WriteLine($"{provider} descending={descending}: {pages} pages, {seen.Count} rows seen, {inserted} inserted meanwhile");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Empty(existing.Select(r => r.Key).Except(seen));
        Assert.True(inserted > 0);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task IndexedTable_IndexesNoLongerDeclaredAreDroppedAtStartAndOthersKept(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        // A table of this test's own: PostgreSQL is shared with tests that query the grid's tables meanwhile.
        var table = $"t_{Guid.NewGuid():N}"[..20];
        IndexedTableSpec Spec(bool current) => new("test-index", "state", table,
        [
            new IndexedColumn("device", "deviceId", IndexedColumnKind.Text),
            new IndexedColumn("owner", "owner", IndexedColumnKind.Integer, OwnIndex: !current),
            new IndexedColumn("job", "job", IndexedColumnKind.Text, Sparse: current),
        ], [["job", "device"]]);

        // The table as an older version made it, with an index an operator added beside the store's.
        var before = await db.OpenStoreAsync(table: Spec(current: false));
        await before.WriteAsync("state", new StorageKey("test-index", TestDatabase.NewKey()), """{"deviceId":"d","owner":1}""", null);
        await using (var dialect = SqlDialect.Create(db.Options()))
        {
            await ExecuteAsync(dialect, $"CREATE INDEX operators_{table} ON {table} (updated_at)");
            Assert.Equal(
                [$"ix_{table}_device", $"ix_{table}_job_device", $"ix_{table}_owner", $"operators_{table}"],
                await IndexNamesAsync(dialect, table));
        }

        var after = await db.OpenStoreAsync(table: Spec(current: true));
        var key = new StorageKey("test-index", TestDatabase.NewKey());
        await after.WriteAsync("state", key, """{"deviceId":"d","job":"j1"}""", null);

        await using (var dialect = SqlDialect.Create(db.Options()))
        {
            Assert.Equal([$"ix_{table}_device", $"ix_{table}_job_device_set", $"operators_{table}"], await IndexNamesAsync(dialect, table));
        }
        var found = await after.QueryAsync(new IndexQuery(table, [new ColumnFilter("job", FilterOperator.Equal, "j1")], "device", false, null, 10));
        Assert.Equal([key.Key], found.Select(r => r.Key));
    }

    private static async Task ExecuteAsync(SqlDialect dialect, string sql)
    {
        await using var connection = await dialect.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> IndexNamesAsync(SqlDialect dialect, string table)
    {
        await using var connection = await dialect.OpenConnectionAsync(CancellationToken.None);
        var names = await StorageSchema.IndexNamesAsync(dialect, connection, null, table, CancellationToken.None);
        // The primary key's own index (sqlite_autoindex_…, …_pkey) is not the store's to manage.
        return [.. names.Where(n => !n.StartsWith("sqlite_autoindex", StringComparison.Ordinal) && !n.EndsWith("_pkey", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    private static Task<IReadOnlyList<IndexedRow>> Query(RelationalStore store, IReadOnlyList<ColumnFilter> filters, string order) =>
        store.QueryAsync(new IndexQuery("test_commands", filters, order, false, null, 100));
}
