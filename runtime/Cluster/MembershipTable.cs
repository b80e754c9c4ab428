using System.Globalization;
using Npgsql;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// The <c>cluster_members</c> table in PostgreSQL, the arbiter of who is alive. Staleness is
/// judged by the database clock (<c>now()</c>), so members' clock skew does not matter, and
/// every status change is conditional so two members declaring the same silo dead cannot race.
/// </summary>
public sealed class MembershipTable : IAsyncDisposable
{
    // Serialises concurrent CREATE TABLE IF NOT EXISTS of members starting together.
    private const long SchemaLockKey = 0x636C7573746572; // "cluster"

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _clusterId;

    public MembershipTable(string connectionString, string clusterId)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("The cluster needs a PostgreSQL connection string (Storage:ConnectionString).", nameof(connectionString));
        }
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _clusterId = clusterId;
    }

    /// <summary>A test hook: when set, every call fails as if the database could not be reached.</summary>
    internal volatile bool Unreachable;

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLockKey})", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var command = new NpgsqlCommand("""
            CREATE TABLE IF NOT EXISTS cluster_members (
                cluster_id   text        NOT NULL,
                member_id    text        NOT NULL,
                role         text        NOT NULL,
                address      text        NOT NULL,
                status       text        NOT NULL,
                heartbeat_at timestamptz NOT NULL,
                started_at   timestamptz NOT NULL,
                version      bigint      NOT NULL,
                PRIMARY KEY (cluster_id, member_id))
            """, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Inserts this member as joining. Member ids carry an incarnation, so the row is always new.</summary>
    public async Task JoinAsync(string memberId, MemberRole role, string address, CancellationToken cancellationToken)
    {
        await ExecuteAsync("""
            INSERT INTO cluster_members (cluster_id, member_id, role, address, status, heartbeat_at, started_at, version)
            VALUES (@cluster, @member, @role, @address, 'joining', now(), now(), 1)
            """, cancellationToken, ("member", memberId), ("role", Name(role)), ("address", address));
    }

    /// <summary>joining → active; false when the member is no longer joining (e.g. it was declared dead meanwhile).</summary>
    public async Task<bool> ActivateAsync(string memberId, CancellationToken cancellationToken) =>
        await ExecuteAsync("""
            UPDATE cluster_members SET status = 'active', heartbeat_at = now(), version = version + 1
            WHERE cluster_id = @cluster AND member_id = @member AND status = 'joining'
            """, cancellationToken, ("member", memberId)) == 1;

    /// <summary>Refreshes the heartbeat; false when the member is dead or left, which it must take as final.</summary>
    public async Task<bool> HeartbeatAsync(string memberId, CancellationToken cancellationToken) =>
        await ExecuteAsync("""
            UPDATE cluster_members SET heartbeat_at = now()
            WHERE cluster_id = @cluster AND member_id = @member AND status IN ('joining', 'active')
            """, cancellationToken, ("member", memberId)) == 1;

    public async Task LeaveAsync(string memberId, CancellationToken cancellationToken) =>
        await ExecuteAsync("""
            UPDATE cluster_members SET status = 'left', version = version + 1
            WHERE cluster_id = @cluster AND member_id = @member AND status IN ('joining', 'active')
            """, cancellationToken, ("member", memberId));

    /// <summary>
    /// Declares a member dead if it is still the version the caller read and its heartbeat is
    /// still stale by the database's clock; false when someone else got there first or it came alive.
    /// </summary>
    public async Task<bool> DeclareDeadAsync(string memberId, long version, TimeSpan deathTimeout, CancellationToken cancellationToken) =>
        await ExecuteAsync("""
            UPDATE cluster_members SET status = 'dead', version = version + 1
            WHERE cluster_id = @cluster AND member_id = @member AND version = @version
              AND status IN ('joining', 'active') AND heartbeat_at < now() - make_interval(secs => @timeout)
            """, cancellationToken, ("member", memberId), ("version", version), ("timeout", deathTimeout.TotalSeconds)) == 1;

    /// <summary>Every member of the cluster, with whether its heartbeat is stale by the database clock.</summary>
    public async Task<IReadOnlyList<(ClusterMember Member, bool Stale)>> ReadAllAsync(TimeSpan deathTimeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT member_id, role, address, status, heartbeat_at, started_at, version,
                   heartbeat_at < now() - make_interval(secs => @timeout)
            FROM cluster_members WHERE cluster_id = @cluster
            """, connection);
        command.Parameters.AddWithValue("cluster", _clusterId);
        command.Parameters.AddWithValue("timeout", deathTimeout.TotalSeconds);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var members = new List<(ClusterMember, bool)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            members.Add((new ClusterMember(
                reader.GetString(0),
                Enum.Parse<MemberRole>(reader.GetString(1), ignoreCase: true),
                reader.GetString(2),
                Enum.Parse<MemberStatus>(reader.GetString(3), ignoreCase: true),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetInt64(6)), reader.GetBoolean(7)));
        }
        return members;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static string Name(MemberRole role) => role.ToString().ToLower(CultureInfo.InvariantCulture);

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("cluster", _clusterId);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (Unreachable)
        {
            throw new NpgsqlException("The membership table is unreachable (fault injected).");
        }
        return await _dataSource.OpenConnectionAsync(cancellationToken);
    }
}
