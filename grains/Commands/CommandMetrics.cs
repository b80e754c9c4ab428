using System.Diagnostics.Metrics;

namespace CommandGrid.Grains.Commands;

/// <summary>The command lifecycle's instruments on the "CommandGrid" meter, recorded by <see cref="CommandGrain"/> once a change is stored.</summary>
internal static class CommandMetrics
{
    public const string MeterName = "CommandGrid";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> StatusChanges = Meter.CreateCounter<long>(
        "commandgrid.commands.status_changes", unit: "{change}",
        description: "Commands entering a status (PENDING at creation, then SENT, IN_PROGRESS, the final ones), by status");

    private static readonly Histogram<double> TtlLateness = Meter.CreateHistogram<double>(
        "commandgrid.commands.ttl.lateness", unit: "ms",
        description: "How long after its TTL ended a command became TIMED_OUT",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000] });

    public static void Entered(string status) => StatusChanges.Add(1, new KeyValuePair<string, object?>("status", status));

    public static void TimedOut(long nowMs, long expiresAtMs) => TtlLateness.Record(Math.Max(0, nowMs - expiresAtMs));
}
