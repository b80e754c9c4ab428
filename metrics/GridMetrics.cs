using System.Diagnostics.Metrics;

namespace CommandGrid.Metrics;

/// <summary>
/// The grid's instruments on the "CommandGrid" meter, one instance per host (created through the host's
/// <see cref="IMeterFactory"/>, so that hosts sharing a process, as tests do, never count into each other):
/// the command lifecycle (recorded by the grains once a change is stored), the doors (commands created, open
/// connections, refusals, each tagged with its door) and the storage's group-commit writer. Tags take a few
/// fixed values only, never ids, so the series stay few.
/// </summary>
public sealed class GridMetrics
{
    public const string MeterName = "CommandGrid";

    /// <summary>The <c>door</c> tag's values.</summary>
    public const string RestDoor = "rest";
    public const string WebSocketDoor = "websocket";
    public const string MqttDoor = "mqtt";

    private readonly Counter<long> _statusChanges;
    private readonly Histogram<double> _ttlLateness;
    private readonly Counter<long> _created;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _certificateRefusals;
    private readonly Counter<long> _tlsHandshakeFailures;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _commitDuration;
    private readonly UpDownCounter<long> _queueDepth;
    private readonly Counter<long> _conflicts;
    private readonly Counter<long> _failedTransactions;
    private readonly Counter<long> _roundTrips;
    private readonly Counter<long> _jobStatusChanges;
    private readonly Counter<long> _jobExecutions;
    private readonly Histogram<double> _rolloutRate;

    public GridMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);

        _statusChanges = meter.CreateCounter<long>(
            "commandgrid.commands.status_changes", unit: "{change}",
            description: "Commands entering a status (PENDING at creation, then SENT, IN_PROGRESS, the final ones), by status");
        _ttlLateness = meter.CreateHistogram<double>(
            "commandgrid.commands.ttl.lateness", unit: "ms",
            description: "How long after its TTL ended a command became TIMED_OUT",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000] });

        _created = meter.CreateCounter<long>(
            "commandgrid.commands.created", unit: "{command}",
            description: "Commands created, by door");
        _connections = meter.CreateUpDownCounter<long>(
            "commandgrid.connections.open", unit: "{connection}",
            description: "Open client connections, by door and protocol version (MQTT counts from an accepted CONNECT)");
        _refusals = meter.CreateCounter<long>(
            "commandgrid.refusals", unit: "{refusal}",
            description: "Requests a door refused (4xx on REST and WebSocket; CONNECT, SUBSCRIBE and PUBLISH refusals on MQTT), by door and reason");
        _certificateRefusals = meter.CreateCounter<long>(
            "commandgrid.device_certificates.refused", unit: "{refusal}",
            description: "Device logins refused for their X.509 certificate (missing, expired, untrusted, revoked, unusable, wrong_thing), by reason");
        _tlsHandshakeFailures = meter.CreateCounter<long>(
            "commandgrid.tls.handshake_failures", unit: "{connection}",
            description: "Connections to a TLS endpoint whose handshake did not complete (not TLS, a malformed ClientHello, the server's certificate refused, the handshake timeout)");

        _batchSize = meter.CreateHistogram<int>(
            "commandgrid.storage.batch.size", unit: "{write}",
            description: "Writes carried by one group-commit transaction",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
        _commitDuration = meter.CreateHistogram<double>(
            "commandgrid.storage.commit.duration", unit: "ms",
            description: "Time from taking a batch to its commit",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] });
        _queueDepth = meter.CreateUpDownCounter<long>(
            "commandgrid.storage.queue.depth", unit: "{write}",
            description: "Writes waiting for the group-commit writer");
        _conflicts = meter.CreateCounter<long>(
            "commandgrid.storage.conflicts", unit: "{write}",
            description: "Conditional writes refused because the stored version had moved on");
        _failedTransactions = meter.CreateCounter<long>(
            "commandgrid.storage.failed_transactions", unit: "{transaction}",
            description: "Group-commit transactions that failed to execute or commit");
        _roundTrips = meter.CreateCounter<long>(
            "commandgrid.storage.round_trips", unit: "{round_trip}",
            description: "Times the store waited on its database, by operation (read, query, count, write, commit, reminder_read, probe, ping)");

        _jobStatusChanges = meter.CreateCounter<long>(
            "commandgrid.jobs.status_changes", unit: "{change}",
            description: "Fleet jobs entering a status (SCHEDULED at creation, IN_PROGRESS, then COMPLETED, CANCELED or ABORTED), by status");
        _jobExecutions = meter.CreateCounter<long>(
            "commandgrid.jobs.executions.created", unit: "{execution}",
            description: "Executions created by fleet jobs (each thing's once, however often a page was repeated)");
        _rolloutRate = meter.CreateHistogram<double>(
            "commandgrid.jobs.rollout.rate", unit: "{execution}",
            description: "The rollout rate of rate-limited jobs, in executions per minute, recorded at each rollout step",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 60, 100, 600, 1000, 6000, 10000, 60000, 100000, 600000] });
    }

    /// <summary>A command entered <paramref name="status"/> (PENDING when it was created).</summary>
    public void CommandEntered(string status) => _statusChanges.Add(1, new KeyValuePair<string, object?>("status", status));

    /// <summary>A command became TIMED_OUT at <paramref name="nowMs"/>; its TTL ended at <paramref name="expiresAtMs"/>.</summary>
    public void CommandTimedOut(long nowMs, long expiresAtMs) => _ttlLateness.Record(Math.Max(0, nowMs - expiresAtMs));

    public void CommandCreated(string door) => _created.Add(1, new KeyValuePair<string, object?>("door", door));

    public void ConnectionOpened(string door, string protocolVersion) =>
        _connections.Add(1, new KeyValuePair<string, object?>("door", door), new KeyValuePair<string, object?>("protocol_version", protocolVersion));

    public void ConnectionClosed(string door, string protocolVersion) =>
        _connections.Add(-1, new KeyValuePair<string, object?>("door", door), new KeyValuePair<string, object?>("protocol_version", protocolVersion));

    public void Refused(string door, string reason) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("door", door), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A device login refused for its certificate; <paramref name="reason"/> is one of a few fixed words.</summary>
    public void DeviceCertificateRefused(string reason) => _certificateRefusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void TlsHandshakeFailed() => _tlsHandshakeFailures.Add(1);

    /// <summary>A group-commit transaction of <paramref name="writes"/> writes committed <paramref name="duration"/> after its batch was taken.</summary>
    public void BatchCommitted(int writes, TimeSpan duration)
    {
        _batchSize.Record(writes);
        _commitDuration.Record(duration.TotalMilliseconds);
    }

    /// <summary>Writes joined (positive) or left (negative) the group-commit writer's queue.</summary>
    public void WritesQueued(int delta) => _queueDepth.Add(delta);

    public void WriteConflicted() => _conflicts.Add(1);

    public void TransactionFailed() => _failedTransactions.Add(1);

    /// <summary>The store sent its database one round trip for <paramref name="operation"/> (a batch of writes is one).</summary>
    public void StorageRoundTrip(string operation) => _roundTrips.Add(1, new KeyValuePair<string, object?>("operation", operation));

    /// <summary>A job entered <paramref name="status"/> (SCHEDULED when it was created).</summary>
    public void JobEntered(string status) => _jobStatusChanges.Add(1, new KeyValuePair<string, object?>("status", status));

    /// <summary>A job's execution for one thing was stored (the first time only).</summary>
    public void JobExecutionCreated() => _jobExecutions.Add(1);

    /// <summary>A rate-limited job took a rollout step at <paramref name="perMinute"/>.</summary>
    public void RolloutRate(double perMinute) => _rolloutRate.Record(perMinute);
}
