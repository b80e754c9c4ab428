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
public sealed record IndexedColumn(string Name, string JsonProperty, IndexedColumnKind Kind);

/// <summary>
/// Stores the states of one grain type (and state name) in a table of its own, with
/// indexed columns that queries can filter and sort on, instead of the generic state table.
/// </summary>
public sealed record IndexedTableSpec(string GrainType, string StateName, string TableName, IReadOnlyList<IndexedColumn> Columns);
