namespace CommandGrid.Storage;

public enum IndexedColumnKind
{
    Text,
    Integer,
}

/// <summary>
/// One column of an indexed state table, filled from a top-level property of the state's
/// JSON payload on every write (so the column and the payload never disagree).
/// </summary>
/// <param name="OwnIndex">
/// False for a column that queries reach only through a composite index it is part of (not leading), or not at all:
/// every index is one more B-tree each insert, and each update that changes an indexed column, writes.
/// </param>
/// <param name="Sparse">
/// True for a column most rows leave null and that no query looks up as null: the indexes it leads hold only the rows
/// that have a value (a partial index, <c>WHERE column IS NOT NULL</c>), which an equality filter on it still uses.
/// </param>
public sealed record IndexedColumn(string Name, string JsonProperty, IndexedColumnKind Kind, bool OwnIndex = true, bool Sparse = false);

/// <summary>
/// Stores the states of one grain type (and state name) in a table of its own, with
/// indexed columns that queries can filter and sort on, instead of the generic state table.
/// Each column gets an index of its own (unless it leads a composite or declares none); <paramref name="CompositeIndexes"/> adds indexes over
/// several columns (equality columns first, the order column last) for queries that filter on more
/// than one: without one the database picks a single-column index and filters or sorts the rest,
/// which at a million rows means reading them all.
/// </summary>
public sealed record IndexedTableSpec(
    string GrainType,
    string StateName,
    string TableName,
    IReadOnlyList<IndexedColumn> Columns,
    IReadOnlyList<IReadOnlyList<string>>? CompositeIndexes = null);
