using System.Collections.Immutable;
using System.Globalization;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// Placement: each silo is hashed onto a 32-bit ring at many points (virtual nodes), and a
/// grain belongs to the first point clockwise from its <see cref="GrainId.UniformHash"/>.
/// Virtual nodes spread each silo's share evenly, so a joining silo takes about 1/N of the
/// keys from all the others rather than half of one neighbour's.
/// </summary>
public sealed class ConsistentHashRing
{
    private readonly uint[] _points;
    private readonly string[] _owners;

    public ConsistentHashRing(IEnumerable<string> members, int virtualNodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(virtualNodes, 1);
        var points = new List<(uint Point, string Member)>();
        foreach (var member in members.Distinct().Order(StringComparer.Ordinal))
        {
            for (var v = 0; v < virtualNodes; v++)
            {
                points.Add((StableHash.Of(member + "/" + v.ToString(CultureInfo.InvariantCulture)), member));
            }
        }
        // Ties between two members' points (rare) are broken by member id, so every process builds the same ring.
        points.Sort((a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : string.CompareOrdinal(a.Member, b.Member));
        _points = [.. points.Select(p => p.Point)];
        _owners = [.. points.Select(p => p.Member)];
        Members = [.. points.Select(p => p.Member).Distinct().Order(StringComparer.Ordinal)];
    }

    public ImmutableArray<string> Members { get; }

    public bool IsEmpty => _points.Length == 0;

    /// <summary>The member owning <paramref name="hash"/>, or null on an empty ring.</summary>
    public string? OwnerOf(uint hash)
    {
        if (_points.Length == 0)
        {
            return null;
        }
        var index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }
        // Past the last point the ring wraps to the first one.
        return _owners[index == _points.Length ? 0 : index];
    }

    public string? OwnerOf(GrainId id) => OwnerOf(id.UniformHash);

    /// <summary>
    /// The ranges (begin, end] of the ring <paramref name="member"/> owns, adjacent ones merged.
    /// A sole member owns the whole ring, written (0, 0] as <see cref="Reminders.ReminderService"/> expects.
    /// </summary>
    public IReadOnlyList<(uint Begin, uint End)> RangesOf(string member)
    {
        if (_points.Length == 0 || !Members.Contains(member))
        {
            return [];
        }
        if (Members.Length == 1)
        {
            return [(0u, 0u)];
        }
        var ranges = new List<(uint Begin, uint End)>();
        for (var i = 0; i < _points.Length; i++)
        {
            if (_owners[i] != member)
            {
                continue;
            }
            var begin = _points[(i - 1 + _points.Length) % _points.Length];
            if (begin == _points[i])
            {
                // Two points on the same hash: an empty range (and (x, x] would read as the whole ring).
                continue;
            }
            if (ranges.Count > 0 && ranges[^1].End == begin)
            {
                ranges[^1] = (ranges[^1].Begin, _points[i]);
            }
            else
            {
                ranges.Add((begin, _points[i]));
            }
        }
        // The last range may continue into the first across the wrap.
        if (ranges.Count > 1 && ranges[^1].End == ranges[0].Begin)
        {
            ranges[0] = (ranges[^1].Begin, ranges[0].End);
            ranges.RemoveAt(ranges.Count - 1);
        }
        return ranges;
    }
}
