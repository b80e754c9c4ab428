namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// The silo that should run a call cannot be reached, or the connection broke while the call
/// was in flight; the call may or may not have run, so it is not retried automatically.
/// </summary>
public sealed class SiloUnavailableException(string message) : Exception(message);

/// <summary>
/// The receiving silo did not run the call (it does not own the target, or it was declared
/// dead); the caller's router retries it on the owner it finds in a fresher membership view.
/// </summary>
public sealed class NotOwnerException(string message) : Exception(message);

/// <summary>Dialling a member failed before anything was sent, so retrying is safe.</summary>
internal sealed class ConnectFailedException(string message, Exception? inner = null) : Exception(message, inner);
