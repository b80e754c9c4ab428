using Xunit;
using Xunit.Abstractions;

namespace CommandGrid.Tests.Storage;

public sealed class SequenceTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Sequence_StartsAtOneAndAdvancesByCount(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        var store = await db.OpenStoreAsync();
        var name = TestDatabase.NewKey("seq");
        Assert.Equal(1, await store.ReserveAsync(name, 100));
        Assert.Equal(101, await store.ReserveAsync(name, 1));
        Assert.Equal(102, await store.ReserveAsync(name, 5));
        Assert.Equal(1, await store.ReserveAsync(TestDatabase.NewKey("seq"), 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ReserveAsync(name, 0));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Sequence_BlocksNeverOverlapUnderConcurrency(string provider)
    {
        await using var db = TestDatabase.TryCreate(provider, output);
        if (db is null) return;
        // Two stores on one database stand in for two silo processes.
        var stores = new[] { await db.OpenStoreAsync(), await db.OpenStoreAsync() };
        var name = TestDatabase.NewKey("seq");
        var blocks = await Task.WhenAll(Enumerable.Range(0, 40).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            var mine = new List<(long First, int Count)>();
            for (var i = 0; i < 10; i++)
            {
                var count = random.Next(1, 50);
                mine.Add((await stores[worker % 2].ReserveAsync(name, count), count));
            }
            return mine;
        })));

        var ordered = blocks.SelectMany(b => b).OrderBy(b => b.First).ToList();
        Assert.Equal(1, ordered[0].First);
        for (var i = 1; i < ordered.Count; i++)
        {
            // Contiguous: no overlap and, since nothing failed, no hole either.
            Assert.Equal(ordered[i - 1].First + ordered[i - 1].Count, ordered[i].First);
        }
    }
}
