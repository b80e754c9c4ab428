namespace CommandGrid.Storage;

/// <summary>
/// Reserves a block of a named sequence with one upsert: the row lock it takes makes
/// blocks disjoint even when several processes reserve at once.
/// </summary>
internal sealed class SequenceReservation : WriteOperation<long>
{
    private const string Sql =
        "INSERT INTO sequences (name, next_value) VALUES (@name, @count + 1) " +
        "ON CONFLICT (name) DO UPDATE SET next_value = sequences.next_value + @count RETURNING next_value";

    private readonly int _count;

    public SequenceReservation(string sequence, int count, CancellationToken cancellationToken)
        : base(SqlStatement.Of(Sql, SqlStatement.Text("@name", sequence), SqlStatement.Int64("@count", count)), cancellationToken)
    {
        _count = count;
    }

    public override bool Succeeded(object? scalar) => scalar is not null;

    // next_value is the first value not yet handed out, so the block ends just before it.
    public override void Complete(object? scalar) => Succeed(ToVersion(scalar) - _count);
}
