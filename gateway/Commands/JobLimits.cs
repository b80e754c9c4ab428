namespace CommandGrid.Gateway.Commands;

/// <summary>Limits the doors enforce on job requests (configuration section "Jobs").</summary>
public sealed class JobLimits
{
    /// <summary>The most thing ids one job may list (groups carry fleets of any size).</summary>
    public int MaxThingIds { get; set; } = 10_000;

    public int MaxGroups { get; set; } = 100;

    public int MaxAbortRules { get; set; } = 10;

    /// <summary>The highest rollout rate a job may ask for, per minute (the same key bounds an exponential rollout's growth).</summary>
    public int MaxRatePerMinute { get; set; } = 1_000_000;

    /// <summary>The largest increment factor of an exponential rollout (AWS IoT allows 1.1 to 5).</summary>
    public double MaxIncrementFactor { get; set; } = 5;

    /// <summary>The largest job document, in bytes of its JSON as sent (AWS IoT's limit, 32 KB).</summary>
    public int MaxDocumentBytes { get; set; } = 32_768;

    public int MaxNameLength { get; set; } = 128;

    /// <summary>AWS IoT's limit for a job's description.</summary>
    public int MaxDescriptionLength { get; set; } = 2_028;
}
