namespace CommandGrid.Runtime;

/// <summary>A call would wait on a grain that is itself waiting, up the call chain, on the caller.</summary>
public sealed class DeadlockException(string message) : Exception(message);

/// <summary>A grain call got no answer within the configured call timeout.</summary>
public sealed class GrainCallTimeoutException(string message) : TimeoutException(message);

/// <summary>
/// An exception thrown inside a grain whose type cannot be recreated on the caller's side;
/// it keeps the original type name and message.
/// </summary>
public sealed class GrainException(string message, string? originalType = null) : Exception(message)
{
    public string? OriginalType { get; } = originalType;
}
