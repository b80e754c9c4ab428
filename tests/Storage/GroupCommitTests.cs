using CommandGrid.Storage;
using Orleans.Storage;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

public sealed class GroupCommitTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GroupCommit_BatchesConcurrentWrites(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        using var batches = db.Collect<int>("commandgrid.storage.batch.size");
        using var commits = db.Collect<double>("commandgrid.storage.commit.duration");
        var grains = Enumerable.Range(0, 200).Select(i => new StorageKey("device", TestDatabase.NewKey($"g{i}"))).ToArray();

        var etags = await Task.WhenAll(grains.Select(g => Task.Run(() => store.WriteAsync("state", g, $$"""{"key":"{{g.Key}}"}""", null))));

        // Each committed transaction records its batch size and its commit duration before its callers complete.
        var sizes = batches.GetMeasurementSnapshot().Select(m => m.Value).ToList();
        output.WriteLine($"{provider}: 200 writes in {sizes.Count} transactions, batches [{string.Join(", ", sizes)}]");
        Assert.All(etags, e => Assert.Equal("1", e));
        Assert.True(sizes.Count < 50, $"200 concurrent writes took {sizes.Count} transactions");
        Assert.True(sizes.Max() > 4);
        Assert.Equal(200, sizes.Sum());
        Assert.Equal(sizes.Count, commits.GetMeasurementSnapshot().Count);
        Assert.True(commits.GetMeasurementSnapshot().Sum(m => m.Value) > 0);
        foreach (var g in grains)
        {
            Assert.Equal($$"""{"key":"{{g.Key}}"}""", (await store.ReadAsync("state", g))!.Payload);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GroupCommit_QueuedWritesShareOneTransaction(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync(maxBatchSize: 100);
        using var batches = db.Collect<int>("commandgrid.storage.batch.size");
        Task<string>[] writes;
        using (store.PauseWriter())
        {
            writes = Enumerable.Range(0, 250)
                .Select(i => store.WriteAsync("state", new StorageKey("device", TestDatabase.NewKey()), "{}", null))
                .ToArray();
            Assert.DoesNotContain(writes, w => w.IsCompleted);
        }
        await Task.WhenAll(writes);
        // The batch limit splits 250 queued writes into 100 + 100 + 50.
        Assert.Equal([100, 100, 50], batches.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GroupCommit_RoundTripsCountABatchAsOneCommitAndOneWriteWhereTheDriverBatches(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync(maxBatchSize: 100);
        using var roundTrips = db.Collect<long>("commandgrid.storage.round_trips");
        var keys = Enumerable.Range(0, 40).Select(_ => new StorageKey("device", TestDatabase.NewKey())).ToArray();
        Task<string>[] writes;
        using (store.PauseWriter())
        {
            writes = keys.Select(k => store.WriteAsync("state", k, "{}", null)).ToArray();
        }
        await Task.WhenAll(writes);
        await store.ReadAsync("state", keys[0]);

        var counted = roundTrips.GetMeasurementSnapshot()
            .GroupBy(m => (string)m.Tags["operation"]!)
            .ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        output.WriteLine($"{provider}: {string.Join(", ", counted.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}");
        Assert.Equal(1, counted["commit"]);
        // Npgsql sends a batch of statements in one round trip; SQLite, in process, runs them one by one.
        Assert.Equal(provider == RelationalStorageOptions.Postgres ? 1 : keys.Length, counted["write"]);
        Assert.Equal(1, counted["read"]);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GroupCommit_ConflictFailsOnlyItsOwnCaller(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var contested = new StorageKey("device", TestDatabase.NewKey());
        var current = await store.WriteAsync("state", contested, """{"v":"current"}""", null);
        current = await store.WriteAsync("state", contested, """{"v":"current2"}""", current);
        using var batches = db.Collect<int>("commandgrid.storage.batch.size");
        using var conflicts = db.Collect<long>("commandgrid.storage.conflicts");

        Task<string>[] others;
        Task<string> stale, duplicateInsert;
        Task<long> sequence;
        using (store.PauseWriter())
        {
            others = Enumerable.Range(0, 20).Select(i => store.WriteAsync("state", new StorageKey("device", TestDatabase.NewKey()), "{}", null)).ToArray();
            stale = store.WriteAsync("state", contested, """{"v":"stale"}""", "1");
            duplicateInsert = store.WriteAsync("state", contested, """{"v":"dup"}""", null);
            sequence = store.ReserveAsync(TestDatabase.NewKey("seq"), 5);
        }

        await Assert.ThrowsAsync<InconsistentStateException>(() => stale);
        await Assert.ThrowsAsync<InconsistentStateException>(() => duplicateInsert);
        await Task.WhenAll(others);
        Assert.Equal(1, await sequence);
        Assert.Equal([23], batches.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal(2, conflicts.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(new StoredState("""{"v":"current2"}""", current), await store.ReadAsync("state", contested));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GroupCommit_BadPayloadFailsOnlyItsOwnCaller(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var good = new StorageKey("device", TestDatabase.NewKey());
        // An indexed table needs a JSON object; the caller learns at once and nothing is queued.
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync("state", new StorageKey("test-command", TestDatabase.NewKey()), "not json", null));
        await store.WriteAsync("state", good, "{}", null);
        Assert.NotNull(await store.ReadAsync("state", good));
    }

    [Fact]
    public async Task GroupCommit_FailingStatementFailsOnlyItsOwnCaller()
    {
        // PostgreSQL refuses NUL in text, which makes a real statement error inside a batch.
        await using var db = TestDatabase.TryCreate(RelationalStorageOptions.Postgres, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        using var failures = db.Collect<long>("commandgrid.storage.failed_transactions");
        Task<string>[] good;
        Task<string> bad;
        using (store.PauseWriter())
        {
            good = Enumerable.Range(0, 10).Select(_ => store.WriteAsync("state", new StorageKey("device", TestDatabase.NewKey()), "{}", null)).ToArray();
            bad = store.WriteAsync("state", new StorageKey("device", TestDatabase.NewKey()), "nul \0 here", null);
        }
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => bad);
        Assert.All(await Task.WhenAll(good), e => Assert.Equal("1", e));
        Assert.Equal(1, failures.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GroupCommit_StopDrainsQueuedWrites(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var grains = Enumerable.Range(0, 50).Select(_ => new StorageKey("device", TestDatabase.NewKey())).ToArray();
        var store = new RelationalStore(db.Options(), db.Metrics);
        await store.InitializeAsync();
        var writes = grains.Select(g => store.WriteAsync("state", g, "{}", null)).ToArray();
        await store.DisposeAsync();
        Assert.All(writes, w => Assert.True(w.IsCompletedSuccessfully));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.WriteAsync("state", grains[0], "{}", "1"));

        var reopened = await db.OpenStoreAsync();
        foreach (var g in grains)
        {
            Assert.NotNull(await reopened.ReadAsync("state", g));
        }
    }
}
