using CommandGrid.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

public sealed class ReminderTableTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Reminders_UpsertAndRead(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var grain = new GrainId("command", TestDatabase.NewKey());
        var due = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_456);

        Assert.Null(await store.ReadAsync(grain, "ttl"));
        var etag1 = await store.UpsertAsync(grain, "ttl", due, TimeSpan.Zero);
        var read = await store.ReadAsync(grain, "ttl");
        Assert.NotNull(read);
        Assert.Equal(grain, read.GrainId);
        Assert.Equal("ttl", read.Name);
        Assert.Equal(due, read.DueAt);
        Assert.True(read.IsOneShot);
        Assert.Equal(etag1, read.ETag);

        var etag2 = await store.UpsertAsync(grain, "ttl", due.AddSeconds(5), TimeSpan.FromMilliseconds(1500));
        Assert.NotEqual(etag1, etag2);
        read = await store.ReadAsync(grain, "ttl");
        Assert.Equal(TimeSpan.FromMilliseconds(1500), read!.Period);
        Assert.Equal(due.AddSeconds(5), read.DueAt);
        Assert.Null(await store.ReadAsync(grain, "other"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Reminders_AdvanceIsConditional(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var grain = new GrainId("alarm", TestDatabase.NewKey());
        var due = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var etag1 = await store.UpsertAsync(grain, "tick", due, TimeSpan.FromSeconds(1));
        var etag2 = await store.AdvanceAsync(grain, "tick", due.AddSeconds(1), etag1);

        Assert.NotNull(etag2);
        Assert.Null(await store.AdvanceAsync(grain, "tick", due.AddSeconds(2), etag1));
        Assert.Equal(due.AddSeconds(1), (await store.ReadAsync(grain, "tick"))!.DueAt);
        Assert.True(await store.RemoveAsync(grain, "tick", etag2!));
        Assert.Null(await store.AdvanceAsync(grain, "tick", due.AddSeconds(3), etag2!));
        Assert.Null(await store.ReadAsync(grain, "tick"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Reminders_RemoveIsConditional(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var grain = new GrainId("command", TestDatabase.NewKey());
        var etag1 = await store.UpsertAsync(grain, "ttl", DateTimeOffset.UtcNow, TimeSpan.Zero);
        var etag2 = await store.UpsertAsync(grain, "ttl", DateTimeOffset.UtcNow, TimeSpan.Zero);

        Assert.False(await store.RemoveAsync(grain, "ttl", etag1));
        Assert.False(await store.RemoveAsync(grain, "ttl", "garbage"));
        Assert.NotNull(await store.ReadAsync(grain, "ttl"));
        Assert.True(await store.RemoveAsync(grain, "ttl", etag2));
        Assert.Null(await store.ReadAsync(grain, "ttl"));
        Assert.False(await store.RemoveAsync(grain, "ttl", etag2));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Reminders_ReadRangeFollowsRingSemantics(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        // A type of our own, so rows of other tests in a shared database can be told apart.
        var type = TestDatabase.NewKey("rt");
        var grains = Enumerable.Range(0, 60).Select(i => new GrainId(type, i.ToString())).ToList();
        await Task.WhenAll(grains.Select(g => store.UpsertAsync(g, "r", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1))));
        var hashes = grains.Select(g => g.UniformHash).Order().ToList();

        var ranges = new List<(uint Begin, uint End)>
        {
            (0, 0), (hashes[10], hashes[10]), (uint.MaxValue, uint.MaxValue),
            (hashes[5], hashes[20]), (hashes[5] - 1, hashes[5]), (hashes[5], hashes[6] - 1),
            (hashes[40], hashes[10]), (hashes[^1], hashes[0]), (hashes[0], hashes[^1]),
            (uint.MaxValue, hashes[3]), (hashes[50], 0), (0, uint.MaxValue), (uint.MaxValue, 0),
        };
        var random = new Random(3);
        for (var i = 0; i < 20; i++)
        {
            ranges.Add(((uint)random.NextInt64(0, 1L << 32), (uint)random.NextInt64(0, 1L << 32)));
        }

        foreach (var (begin, end) in ranges)
        {
            var expected = grains.Where(g => InRange(g.UniformHash, begin, end)).Select(g => g.Key).Order().ToList();
            var actual = (await store.ReadRangeAsync(begin, end)).Where(r => r.GrainId.Type == type).Select(r => r.GrainId.Key).Order().ToList();
            Assert.True(expected.SequenceEqual(actual), $"range ({begin}, {end}]: expected {expected.Count} reminders, got {actual.Count}");
        }
        // The wrap-around case really does cut the ring somewhere.
        var wrapped = (await store.ReadRangeAsync(hashes[40], hashes[10])).Count(r => r.GrainId.Type == type);
        Assert.Equal(60 - 30, wrapped);
    }

    // begin < h <= end, wrapping when begin >= end; begin == end is the whole ring.
    private static bool InRange(uint h, uint begin, uint end) =>
        begin == end || (begin < end ? h > begin && h <= end : h > begin || h <= end);
}
