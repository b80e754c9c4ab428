namespace CommandGrid.Storage.Queries;

/// <summary>Stored states of one page, and the opaque cursor of the next page (null on the last).</summary>
/// <param name="EndCursor">
/// The cursor after this page's last row even on the last page (null for an empty page): a reader that follows rows
/// as they are added resumes from it.
/// </param>
public sealed record StoredPage<TState>(IReadOnlyList<TState> Items, string? NextCursor, string? EndCursor = null);
