using CommandGrid.Runtime;
using CommandGrid.Runtime.Cluster;
using CommandGrid.Runtime.Reminders;
using Xunit;

namespace CommandGrid.Tests.Cluster;

public sealed class RingTests
{
    private static readonly GrainId[] Keys = [.. Enumerable.Range(0, 20_000).Select(i => new GrainId("device", $"dev-{i}"))];

    [Fact]
    public void Ring_AddingAFourthSiloMovesAboutAQuarterOfTheKeys()
    {
        var three = new ConsistentHashRing(["silo-a", "silo-b", "silo-c"], 64);
        var four = new ConsistentHashRing(["silo-a", "silo-b", "silo-c", "silo-d"], 64);

        var moved = Keys.Where(k => three.OwnerOf(k) != four.OwnerOf(k)).ToList();

        var share = moved.Count / (double)Keys.Length;
        Assert.InRange(share, 0.18, 0.32);
        // Keys only move to the newcomer, never between the old silos.
        Assert.All(moved, k => Assert.Equal("silo-d", four.OwnerOf(k)));
        // Each silo holds a fair share (virtual nodes keep it within a few percent of 1/4).
        Assert.All(four.Members, m => Assert.InRange(Keys.Count(k => four.OwnerOf(k) == m) / (double)Keys.Length, 0.17, 0.33));
    }

    [Fact]
    public void Ring_RangesOfAMemberAreExactlyTheKeysItOwns()
    {
        var ring = new ConsistentHashRing(["silo-a", "silo-b", "silo-c"], 64);
        foreach (var member in ring.Members)
        {
            var ranges = ring.RangesOf(member);
            Assert.All(Keys, k => Assert.Equal(ring.OwnerOf(k) == member, ranges.Any(r => ReminderService.InRange(k.UniformHash, r.Begin, r.End))));
        }
    }

    [Fact]
    public void Ring_SingleSiloOwnsTheWholeRingAndEmptyRingOwnsNothing()
    {
        Assert.Equal([(0u, 0u)], new ConsistentHashRing(["only"], 64).RangesOf("only"));
        Assert.Null(new ConsistentHashRing([], 64).OwnerOf(42u));
        Assert.Empty(new ConsistentHashRing(["a"], 64).RangesOf("b"));
    }

    [Fact]
    public void Ring_IsTheSameWhateverTheOrderOfMembers()
    {
        var one = new ConsistentHashRing(["x", "y", "z"], 32);
        var other = new ConsistentHashRing(["z", "x", "y"], 32);
        Assert.All(Keys.Take(2000), k => Assert.Equal(one.OwnerOf(k), other.OwnerOf(k)));
    }
}
