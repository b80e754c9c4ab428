using CommandGrid.Storage.Orleans;
using Microsoft.Extensions.Time.Testing;
using Orleans;
using Orleans.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

/// <summary>Orleans' IReminderTable contract, as the reminder service uses it, on both providers.</summary>
public sealed class ReminderTableTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Reminders_UpsertAndRead(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var table = new OrleansReminderTable(await db.OpenStoreAsync());
        var grain = GrainId.Create("command", TestDatabase.NewKey());
        var start = DateTime.UnixEpoch.AddMilliseconds(1_800_000_000_456);

        Assert.Null(await table.ReadRow(grain, "ttl"));
        var etag1 = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "ttl", StartAt = start, Period = TimeSpan.FromSeconds(10) });
        var read = await table.ReadRow(grain, "ttl");
        Assert.NotNull(read);
        Assert.Equal(grain, read.GrainId);
        Assert.Equal("ttl", read.ReminderName);
        Assert.Equal(start, read.StartAt);
        Assert.Equal(TimeSpan.FromSeconds(10), read.Period);
        Assert.Equal(etag1, read.ETag);

        var etag2 = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "ttl", StartAt = start.AddSeconds(5), Period = TimeSpan.FromMilliseconds(1500) });
        Assert.NotEqual(etag1, etag2);
        read = await table.ReadRow(grain, "ttl");
        Assert.Equal(TimeSpan.FromMilliseconds(1500), read!.Period);
        Assert.Equal(start.AddSeconds(5), read.StartAt);
        Assert.Null(await table.ReadRow(grain, "other"));
        await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "other", StartAt = start, Period = TimeSpan.FromSeconds(1) });
        Assert.Equal(["other", "ttl"], (await table.ReadRows(grain)).Reminders.Select(r => r.ReminderName).Order());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Reminders_RangeReadReturnsOnlyThoseStartingWithinTheLookAhead(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddMilliseconds(1_800_000_000_000));
        var table = new OrleansReminderTable(await db.OpenStoreAsync(), clock, TimeSpan.FromMinutes(3));
        var now = clock.GetUtcNow().UtcDateTime;
        var passed = GrainId.Create("command", TestDatabase.NewKey());
        var soon = GrainId.Create("command", TestDatabase.NewKey());
        var later = GrainId.Create("command", TestDatabase.NewKey());
        await table.UpsertRow(new ReminderEntry { GrainId = passed, ReminderName = "ttl", StartAt = now.AddHours(-1), Period = TimeSpan.FromMinutes(1) });
        await table.UpsertRow(new ReminderEntry { GrainId = soon, ReminderName = "ttl", StartAt = now.AddMinutes(1), Period = TimeSpan.FromMinutes(1) });
        await table.UpsertRow(new ReminderEntry { GrainId = later, ReminderName = "ttl", StartAt = now.AddMinutes(10), Period = TimeSpan.FromMinutes(1) });
        GrainId[] ours = [passed, soon, later];

        var read = (await table.ReadRows(0, 0)).Reminders.Select(r => r.GrainId).Where(ours.Contains).ToHashSet();
        Assert.Equal([passed, soon], read.OrderBy(g => Array.IndexOf(ours, g)));
        // The grain's own reads are not limited: Orleans reads them to register, update or remove one.
        Assert.NotNull(await table.ReadRow(later, "ttl"));
        Assert.Single((await table.ReadRows(later)).Reminders);

        clock.Advance(TimeSpan.FromMinutes(8));
        read = (await table.ReadRows(0, 0)).Reminders.Select(r => r.GrainId).Where(ours.Contains).ToHashSet();
        Assert.Equal(ours, read.OrderBy(g => Array.IndexOf(ours, g)));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Reminders_RemoveIsConditional(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var table = new OrleansReminderTable(await db.OpenStoreAsync());
        var grain = GrainId.Create("command", TestDatabase.NewKey());
        var entry = new ReminderEntry { GrainId = grain, ReminderName = "ttl", StartAt = DateTime.UtcNow, Period = TimeSpan.FromSeconds(10) };
        var etag1 = await table.UpsertRow(entry);
        var etag2 = await table.UpsertRow(entry);

        Assert.False(await table.RemoveRow(grain, "ttl", etag1!));
        Assert.False(await table.RemoveRow(grain, "ttl", "garbage"));
        Assert.NotNull(await table.ReadRow(grain, "ttl"));
        Assert.True(await table.RemoveRow(grain, "ttl", etag2!));
        Assert.Null(await table.ReadRow(grain, "ttl"));
        Assert.False(await table.RemoveRow(grain, "ttl", etag2!));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Reminders_ReadRangeFollowsOrleansRingSemantics(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var table = new OrleansReminderTable(await db.OpenStoreAsync());
        // A type of our own, so rows of other tests in a shared database can be told apart.
        var type = TestDatabase.NewKey("rt");
        var grains = Enumerable.Range(0, 60).Select(i => GrainId.Create(type, i.ToString())).ToList();
        await Task.WhenAll(grains.Select(g => table.UpsertRow(new ReminderEntry { GrainId = g, ReminderName = "r", StartAt = DateTime.UtcNow, Period = TimeSpan.FromSeconds(1) })));
        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();

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
            var expected = grains.Where(g => InRange(g.GetUniformHashCode(), begin, end)).Order().ToList();
            var actual = (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId).Where(g => g.Type.ToString() == type).Order().ToList();
            Assert.True(expected.SequenceEqual(actual), $"range ({begin}, {end}]: expected {expected.Count} reminders, got {actual.Count}");
        }
        // The wrap-around case really does cut the ring somewhere.
        var wrapped = (await table.ReadRows(hashes[40], hashes[10])).Reminders.Count(r => r.GrainId.Type.ToString() == type);
        Assert.Equal(60 - 30, wrapped);
    }

    // begin < h <= end, wrapping when begin >= end; begin == end is the whole ring (Orleans' RangeFactory semantics).
    private static bool InRange(uint h, uint begin, uint end) =>
        begin == end || (begin < end ? h > begin && h <= end : h > begin || h <= end);
}
