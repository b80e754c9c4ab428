namespace CommandGrid.Storage;

/// <summary>The shared <c>grain_state</c> table, keyed by grain type, grain key and state name.</summary>
internal sealed class GenericStateTable : IStateTable
{
    public static readonly GenericStateTable Instance = new();

    private const string Key = "grain_type = @grain_type AND grain_key = @grain_key AND state_name = @state_name";

    public SqlStatement Select(StorageKey grainId, string stateName) =>
        Keyed($"SELECT version, payload FROM grain_state WHERE {Key}", grainId, stateName);

    public SqlStatement SelectVersion(StorageKey grainId, string stateName) =>
        Keyed($"SELECT version FROM grain_state WHERE {Key}", grainId, stateName);

    public SqlStatement Insert(StorageKey grainId, string stateName, string payload, long now) =>
        Keyed(
            "INSERT INTO grain_state (grain_type, grain_key, state_name, version, payload, updated_at) " +
            "VALUES (@grain_type, @grain_key, @state_name, 1, @payload, @updated_at) " +
            "ON CONFLICT (grain_type, grain_key, state_name) DO NOTHING RETURNING version",
            grainId, stateName,
            SqlStatement.Text("@payload", payload), SqlStatement.Int64("@updated_at", now));

    public SqlStatement Update(StorageKey grainId, string stateName, string payload, long expectedVersion, long now) =>
        Keyed(
            $"UPDATE grain_state SET version = version + 1, payload = @payload, updated_at = @updated_at WHERE {Key} AND version = @expected RETURNING version",
            grainId, stateName,
            SqlStatement.Text("@payload", payload), SqlStatement.Int64("@updated_at", now), SqlStatement.Int64("@expected", expectedVersion));

    public SqlStatement Delete(StorageKey grainId, string stateName, long expectedVersion) =>
        Keyed($"DELETE FROM grain_state WHERE {Key} AND version = @expected RETURNING version",
            grainId, stateName, SqlStatement.Int64("@expected", expectedVersion));

    private static SqlStatement Keyed(string sql, StorageKey grainId, string stateName, params SqlParameterValue[] more) =>
        new(sql, [
            SqlStatement.Text("@grain_type", grainId.Type),
            SqlStatement.Text("@grain_key", grainId.Key),
            SqlStatement.Text("@state_name", stateName),
            .. more,
        ]);
}
