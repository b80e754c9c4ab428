namespace CommandGrid.Storage;

/// <summary>
/// One caller's write waiting in the group-commit queue: a single statement whose scalar
/// result (first column of the first row, or null) tells whether its condition held.
/// The caller's task completes only after the transaction carrying it has committed.
/// </summary>
internal abstract class WriteOperation(SqlStatement statement, CancellationToken cancellationToken)
{
    public SqlStatement Statement { get; } = statement;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Whether the statement's result means success; a pure check, run before commit.</summary>
    public abstract bool Succeeded(object? scalar);

    /// <summary>Completes the caller after commit.</summary>
    public abstract void Complete(object? scalar);

    /// <summary>Run after commit, only on conflict, to name the version actually found; null means the statement's own result names it.</summary>
    public virtual SqlStatement? ConflictProbe => null;

    /// <summary>Fails the caller with a conflict; <paramref name="actual"/> is the probe's result.</summary>
    public abstract void CompleteConflict(object? actual);

    public abstract void Fail(Exception error);

    public abstract void Cancel();
}

internal abstract class WriteOperation<T>(SqlStatement statement, CancellationToken cancellationToken)
    : WriteOperation(statement, cancellationToken)
{
    // Continuations run off the writer's thread so a slow caller never stalls the next batch.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    protected void Succeed(T value) => _completion.TrySetResult(value);

    public override void Fail(Exception error) => _completion.TrySetException(error);

    public override void Cancel() => _completion.TrySetCanceled(CancellationToken);

    public override void CompleteConflict(object? actual) =>
        Fail(new InvalidOperationException("This operation has no conflicts."));

    protected static long ToVersion(object? scalar) => Convert.ToInt64(scalar, System.Globalization.CultureInfo.InvariantCulture);
}
