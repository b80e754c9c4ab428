using System.Data;

namespace CommandGrid.Storage;

/// <summary>
/// The table of one <see cref="IndexedTableSpec"/>: one row per grain key, with the spec's
/// columns refreshed from the payload on every write.
/// </summary>
internal sealed class IndexedStateTable : IStateTable
{
    public const string KeyColumn = "grain_key";

    private readonly string _insert;
    private readonly string _update;
    private readonly Dictionary<string, IndexedColumn> _columns;

    public IndexedStateTable(IndexedTableSpec spec)
    {
        Spec = spec;
        Name = spec.TableName;
        _columns = spec.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);

        var names = string.Concat(spec.Columns.Select(c => ", " + c.Name));
        var values = string.Concat(spec.Columns.Select((_, i) => $", @c{i}"));
        var sets = string.Concat(spec.Columns.Select((c, i) => $", {c.Name} = @c{i}"));
        _insert = $"INSERT INTO {Name} (grain_key, version, payload, updated_at{names}) VALUES (@grain_key, 1, @payload, @updated_at{values}) ON CONFLICT (grain_key) DO NOTHING RETURNING version";
        _update = $"UPDATE {Name} SET version = version + 1, payload = @payload, updated_at = @updated_at{sets} WHERE grain_key = @grain_key AND version = @expected RETURNING version";
    }

    public IndexedTableSpec Spec { get; }

    public string Name { get; }

    public string CreateTableStatement() =>
        $"CREATE TABLE IF NOT EXISTS {Name} (grain_key TEXT NOT NULL PRIMARY KEY, version BIGINT NOT NULL, payload TEXT NOT NULL, updated_at BIGINT NOT NULL" +
        string.Concat(Spec.Columns.Select(c => $", {c.Name} {SqlType(c.Kind)} NULL")) + ")";

    /// <summary>Adds a column declared after the table was first created (the table of an older version).</summary>
    public string AddColumnStatement(IndexedColumn column) => $"ALTER TABLE {Name} ADD COLUMN {column.Name} {SqlType(column.Kind)} NULL";

    /// <summary>The table's indexes by name, each with its CREATE statement.</summary>
    public IReadOnlyDictionary<string, string> Indexes(string indexColumnOrder)
    {
        // A column that leads a composite index gets no index of its own: the composite serves its equality filters as
        // well, and every index is one more B-tree each insert writes.
        var leading = (Spec.CompositeIndexes ?? []).Select(columns => columns[0]).ToHashSet(StringComparer.Ordinal);
        var sparse = Spec.Columns.Where(c => c.Sparse).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var indexes = new Dictionary<string, string>(StringComparer.Ordinal);
        // (columns..., grain_key) serves equality filters and the keyset order alike.
        foreach (var columns in Spec.Columns.Where(c => c.OwnIndex && !leading.Contains(c.Name)).Select(c => (IReadOnlyList<string>)[c.Name]).Concat(Spec.CompositeIndexes ?? []))
        {
            var partial = sparse.Contains(columns[0]);
            // A partial index gets a name of its own, so that a database holding the full one under the plain name drops it.
            var name = IndexName(columns) + (partial ? "_set" : "");
            indexes[name] = $"CREATE INDEX IF NOT EXISTS {name} ON {Name} " +
                $"({string.Concat(columns.Select(c => $"{c}{indexColumnOrder}, "))}grain_key)" +
                (partial ? $" WHERE {columns[0]} IS NOT NULL" : "");
        }
        return indexes;
    }

    /// <summary>
    /// Whether an index found on the table was made by this store (its name prefix), so that one no longer declared is dropped;
    /// the primary key's and any an operator added under another name are left alone.
    /// </summary>
    public bool IsOwnIndex(string indexName) => indexName.StartsWith($"ix_{Name}_", StringComparison.Ordinal);

    private string IndexName(IReadOnlyList<string> columns) => $"ix_{Name}_{string.Join('_', columns)}";

    /// <summary>The declared column, or null for grain_key; throws for anything else.</summary>
    public IndexedColumn? ResolveColumn(string name)
    {
        if (name == KeyColumn)
        {
            return null;
        }
        return _columns.TryGetValue(name, out var column)
            ? column
            : throw new ArgumentException($"Table '{Name}' has no queryable column '{name}'; use grain_key or one of: {string.Join(", ", _columns.Keys)}.");
    }

    public SqlStatement Select(StorageKey grainId, string stateName) =>
        SqlStatement.Of($"SELECT version, payload FROM {Name} WHERE grain_key = @grain_key", Key(grainId));

    public SqlStatement SelectVersion(StorageKey grainId, string stateName) =>
        SqlStatement.Of($"SELECT version FROM {Name} WHERE grain_key = @grain_key", Key(grainId));

    public SqlStatement Insert(StorageKey grainId, string stateName, string payload, long now) =>
        new(_insert, [Key(grainId), SqlStatement.Text("@payload", payload), SqlStatement.Int64("@updated_at", now), .. ColumnValues(payload)]);

    public SqlStatement Update(StorageKey grainId, string stateName, string payload, long expectedVersion, long now) =>
        new(_update, [
            Key(grainId), SqlStatement.Text("@payload", payload), SqlStatement.Int64("@updated_at", now),
            SqlStatement.Int64("@expected", expectedVersion), .. ColumnValues(payload),
        ]);

    public SqlStatement Delete(StorageKey grainId, string stateName, long expectedVersion) =>
        SqlStatement.Of($"DELETE FROM {Name} WHERE grain_key = @grain_key AND version = @expected RETURNING version",
            Key(grainId), SqlStatement.Int64("@expected", expectedVersion));

    private IEnumerable<SqlParameterValue> ColumnValues(string payload)
    {
        var values = PayloadColumns.Extract(payload, Spec.Columns, Name);
        return Spec.Columns.Select((c, i) => new SqlParameterValue($"@c{i}", values[i], DbTypeOf(c.Kind)));
    }

    public static DbType DbTypeOf(IndexedColumnKind kind) => kind == IndexedColumnKind.Integer ? DbType.Int64 : DbType.String;

    private static string SqlType(IndexedColumnKind kind) => kind == IndexedColumnKind.Integer ? "BIGINT" : "TEXT";

    private static SqlParameterValue Key(StorageKey grainId) => SqlStatement.Text("@grain_key", grainId.Key);
}
