namespace CommandGrid.Storage;

internal enum FilterOperator
{
    Equal,
    GreaterOrEqual,
    Less,
    /// <summary>The column equals one of the values; the filter's value is an <see cref="IReadOnlyList{T}"/> of them.</summary>
    In,
    /// <summary>The column holds a value (the filter's value is not read).</summary>
    NotNull,
}

internal sealed record ColumnFilter(string Column, FilterOperator Operator, object Value);

/// <summary>The position after the last row of a page: the sort column's value and the grain key.</summary>
internal sealed record IndexCursor(object OrderValue, string Key);

/// <summary>
/// A keyset-paged query over an indexed state table, ordered by one column and then by
/// grain key, so pages never overlap or skip rows when inserts happen between them.
/// </summary>
internal sealed record IndexQuery(
    string TableName,
    IReadOnlyList<ColumnFilter> Filters,
    string OrderColumn,
    bool Descending,
    IndexCursor? After,
    int Limit);

internal sealed record IndexedRow(string Key, string Payload, string ETag, object OrderValue);

/// <summary>How many rows match the filters, per value of one column (NULL values are not counted).</summary>
internal sealed record CountQuery(string TableName, IReadOnlyList<ColumnFilter> Filters, string GroupColumn);

internal interface IIndexedStateQuery
{
    Task<IReadOnlyList<IndexedRow>> QueryAsync(IndexQuery query, CancellationToken cancellationToken = default);

    Task<IReadOnlyDictionary<string, long>> CountAsync(CountQuery query, CancellationToken cancellationToken = default);
}
