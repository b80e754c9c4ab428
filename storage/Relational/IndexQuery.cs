namespace CommandGrid.Storage;

public enum FilterOperator
{
    Equal,
    GreaterOrEqual,
    Less,
}

public sealed record ColumnFilter(string Column, FilterOperator Operator, object Value);

/// <summary>The position after the last row of a page: the sort column's value and the grain key.</summary>
public sealed record IndexCursor(object OrderValue, string Key);

/// <summary>
/// A keyset-paged query over an indexed state table, ordered by one column and then by
/// grain key, so pages never overlap or skip rows when inserts happen between them.
/// </summary>
public sealed record IndexQuery(
    string TableName,
    IReadOnlyList<ColumnFilter> Filters,
    string OrderColumn,
    bool Descending,
    IndexCursor? After,
    int Limit);

public sealed record IndexedRow(string Key, string Payload, string ETag, object OrderValue);

public interface IIndexedStateQuery
{
    Task<IReadOnlyList<IndexedRow>> QueryAsync(IndexQuery query, CancellationToken cancellationToken = default);
}
