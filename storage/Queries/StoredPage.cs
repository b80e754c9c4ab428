namespace CommandGrid.Storage.Queries;

/// <summary>Stored states of one page, and the opaque cursor of the next page (null on the last).</summary>
public sealed record StoredPage<TState>(IReadOnlyList<TState> Items, string? NextCursor);
