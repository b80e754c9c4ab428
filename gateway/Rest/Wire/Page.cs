using System.ComponentModel;

namespace CommandGrid.Gateway.Rest.Wire;

/// <summary>One page of a list: pass nextCursor back as cursor for the next page.</summary>
public sealed record Page<T>
{
    public required IEnumerable<T> Items { get; init; }

    [Description("The cursor of the next page; null on the last page.")]
    public required string? NextCursor { get; init; }
}
