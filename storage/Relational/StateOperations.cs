using Orleans.Storage;

using System.Globalization;

namespace CommandGrid.Storage;

/// <summary>A conditional insert or update of a grain state; yields the new ETag.</summary>
internal sealed class StateWriteOperation(
    SqlStatement statement, SqlStatement probe, StorageKey grainId, string stateName, long? expectedVersion, CancellationToken cancellationToken)
    : WriteOperation<string>(statement, cancellationToken)
{
    public override bool Succeeded(object? scalar) => scalar is not null;

    public override void Complete(object? scalar) => Succeed(ToVersion(scalar).ToString(CultureInfo.InvariantCulture));

    public override SqlStatement? ConflictProbe => probe;

    public override void CompleteConflict(object? actual) =>
        Fail(StateConflict.Create("write", grainId, stateName, expectedVersion, actual));
}

/// <summary>A conditional delete of a grain state; with no ETag it only checks that no record exists.</summary>
internal sealed class StateClearOperation(
    SqlStatement statement, SqlStatement probe, StorageKey grainId, string stateName, long? expectedVersion, CancellationToken cancellationToken)
    : WriteOperation<bool>(statement, cancellationToken)
{
    // With an ETag the statement is a DELETE returning the version; without, a SELECT that must find nothing.
    public override bool Succeeded(object? scalar) => expectedVersion is null ? scalar is null : scalar is not null;

    public override void Complete(object? scalar) => Succeed(true);

    // Without an ETag the SELECT's own result already is the version found.
    public override SqlStatement? ConflictProbe => expectedVersion is null ? null : probe;

    public override void CompleteConflict(object? actual) =>
        Fail(StateConflict.Create("clear", grainId, stateName, expectedVersion, actual));
}

internal static class StateConflict
{
    public static InconsistentStateException Create(string action, StorageKey grainId, string stateName, long? expected, object? actual)
    {
        var expectedText = expected is { } e ? $"version {e}" : "no record";
        var actualText = actual is null || actual is DBNull ? "no record" : $"version {Convert.ToInt64(actual, CultureInfo.InvariantCulture)}";
        return new InconsistentStateException(
            $"Storage conflict on {action} of state '{stateName}' of grain {grainId}: the writer expected {expectedText} but the store holds {actualText}.");
    }
}
