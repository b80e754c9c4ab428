namespace CommandGrid.Runtime.Storage;

/// <summary>A conditional write found another version in the store than the one its writer read.</summary>
public sealed class InconsistentStateException(string message) : Exception(message);
