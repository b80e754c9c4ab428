namespace CommandGrid.Storage;

internal static class IndexedStateQueryExtensions
{
    /// <summary>Every row the query matches, page by page (the query's Limit is the page size), continuing after each page's last row.</summary>
    public static async IAsyncEnumerable<IndexedRow> QueryAllAsync(
        this IIndexedStateQuery store, IndexQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var page = query;
        while (true)
        {
            var rows = await store.QueryAsync(page, cancellationToken);
            foreach (var row in rows)
            {
                yield return row;
            }
            if (rows.Count < page.Limit)
            {
                yield break;
            }
            page = page with { After = new IndexCursor(rows[^1].OrderValue, rows[^1].Key) };
        }
    }
}
