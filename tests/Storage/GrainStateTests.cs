using CommandGrid.Storage;
using Orleans.Storage;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

public sealed class GrainStateTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GrainState_ReadYourWriteWithETag(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var grain = new StorageKey("device", TestDatabase.NewKey());

        Assert.Null(await store.ReadAsync("state", grain));
        var etag1 = await store.WriteAsync("state", grain, """{"n":1}""", null);
        var read1 = await store.ReadAsync("state", grain);
        Assert.Equal(new StoredState("""{"n":1}""", etag1), read1);

        var etag2 = await store.WriteAsync("state", grain, """{"n":2}""", etag1);
        Assert.NotEqual(etag1, etag2);
        Assert.Equal(new StoredState("""{"n":2}""", etag2), await store.ReadAsync("state", grain));
        // Another state name of the same grain is a separate record.
        Assert.Null(await store.ReadAsync("other", grain));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GrainState_StaleETagConflictChangesNothing(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        using var conflicts = db.Collect<long>("commandgrid.storage.conflicts");
        var grain = new StorageKey("device", TestDatabase.NewKey());
        var etag1 = await store.WriteAsync("state", grain, """{"n":1}""", null);
        var etag2 = await store.WriteAsync("state", grain, """{"n":2}""", etag1);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteAsync("state", grain, """{"n":"stale"}""", etag1));
        Assert.Contains(grain.ToString(), error.Message);
        Assert.Contains($"version {etag1}", error.Message);
        Assert.Contains($"version {etag2}", error.Message);
        Assert.Equal(new StoredState("""{"n":2}""", etag2), await store.ReadAsync("state", grain));

        await Assert.ThrowsAsync<InconsistentStateException>(() => store.ClearAsync("state", grain, etag1));
        await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteAsync("state", grain, "{}", "not-a-version"));
        Assert.Equal(new StoredState("""{"n":2}""", etag2), await store.ReadAsync("state", grain));
        // The stale write and the stale clear reached the database; an ETag that is no version never does.
        Assert.Equal(2, conflicts.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GrainState_InsertWhenExistsConflicts(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var grain = new StorageKey("device", TestDatabase.NewKey());
        var etag = await store.WriteAsync("state", grain, """{"first":true}""", null);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteAsync("state", grain, """{"second":true}""", null));
        Assert.Contains("expected no record", error.Message);
        Assert.Equal(new StoredState("""{"first":true}""", etag), await store.ReadAsync("state", grain));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GrainState_ClearRemovesAndChecksETag(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var grain = new StorageKey("device", TestDatabase.NewKey());

        // Clearing what was never written is fine.
        await store.ClearAsync("state", grain, null);
        var etag = await store.WriteAsync("state", grain, "{}", null);
        // A writer that believes there is no record must not clear one.
        await Assert.ThrowsAsync<InconsistentStateException>(() => store.ClearAsync("state", grain, null));
        Assert.NotNull(await store.ReadAsync("state", grain));

        await store.ClearAsync("state", grain, etag);
        Assert.Null(await store.ReadAsync("state", grain));
        // After a clear the next writer inserts afresh.
        var again = await store.WriteAsync("state", grain, """{"again":1}""", null);
        Assert.Equal("""{"again":1}""", (await store.ReadAsync("state", grain))!.Payload);
        Assert.False(string.IsNullOrEmpty(again));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GrainState_SurvivesStoreRestart(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var grain = new StorageKey("device", TestDatabase.NewKey());
        var commandKey = TestDatabase.NewKey();
        var reminderGrain = new StorageKey("test-command", commandKey);
        string etag, commandETag, reminderETag;
        long sequenceStart;
        var sequence = TestDatabase.NewKey("seq");

        await using (var first = new RelationalStore(db.Options(), db.Metrics))
        {
            await first.InitializeAsync();
            etag = await first.WriteAsync("state", grain, """{"kept":true}""", null);
            commandETag = await first.WriteAsync("state", reminderGrain, $$"""{"deviceId":"{{commandKey}}","status":"PENDING"}""", null);
            reminderETag = await first.UpsertReminderAsync(reminderGrain, "ttl", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), TimeSpan.Zero);
            sequenceStart = await first.ReserveAsync(sequence, 10);
        }

        await using var second = new RelationalStore(db.Options(), db.Metrics);
        await second.InitializeAsync();
        Assert.Equal(new StoredState("""{"kept":true}""", etag), await second.ReadAsync("state", grain));
        Assert.Equal(commandETag, (await second.ReadAsync("state", reminderGrain))!.ETag);
        var reminder = await second.ReadReminderAsync(reminderGrain, "ttl");
        Assert.NotNull(reminder);
        Assert.Equal(reminderETag, reminder.ETag);
        Assert.Equal(1_700_000_000_123, reminder.StartAt.ToUnixTimeMilliseconds());
        Assert.Equal(sequenceStart + 10, await second.ReserveAsync(sequence, 1));
        // The old ETag still works after the restart: versions live in the database, not in memory.
        await second.WriteAsync("state", grain, """{"kept":"still"}""", etag);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task GrainState_SchemaCreationIsIdempotentAcrossStores(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        // Several processes starting together each create the schema.
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => db.OpenStoreAsync()));
        var grain = new StorageKey("device", TestDatabase.NewKey());
        await stores[0].WriteAsync("state", grain, "{}", null);
        Assert.NotNull(await stores[3].ReadAsync("state", grain));
    }
}
