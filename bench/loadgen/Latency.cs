using HdrHistogram;

namespace Loadgen;

/// <summary>A thread-safe latency recorder in microseconds (HdrHistogram, 3 significant digits, up to 5 minutes).</summary>
public sealed class Latency
{
    private readonly LongHistogram _histogram = New();
    private readonly object _gate = new();

    public static LongHistogram New() => new(1, 300_000_000, 3);

    public void Record(long micros)
    {
        lock (_gate)
        {
            _histogram.RecordValue(Math.Clamp(micros, 1, 300_000_000));
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _histogram.Reset();
        }
    }

    /// <summary>The recorded values as [value, count] pairs, to merge in another process.</summary>
    public long[][] Export()
    {
        lock (_gate)
        {
            return [.. _histogram.RecordedValues().Select(v => new[] { v.ValueIteratedTo, v.CountAtValueIteratedTo })];
        }
    }

    public static LongHistogram Merge(IEnumerable<long[][]> parts)
    {
        var h = New();
        foreach (var part in parts)
        {
            foreach (var p in part)
            {
                h.RecordValueWithCount(p[0], p[1]);
            }
        }
        return h;
    }

    public static double Ms(LongHistogram h, double percentile) => h.TotalCount == 0 ? double.NaN : h.GetValueAtPercentile(percentile) / 1000.0;
}
