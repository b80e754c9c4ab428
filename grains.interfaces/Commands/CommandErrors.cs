namespace CommandGrid.Grains.Interfaces;

// Thrown inside grains and recreated on the caller's side, so each door maps them to its own error.

public sealed class CommandNotFoundException(string message) : Exception(message);

public sealed class DeviceNotFoundException(string message) : Exception(message);

/// <summary>The execution already reached a final status and never changes again.</summary>
public sealed class CommandFinalException(string message) : Exception(message);

/// <summary>The device reported a status it may not move to (e.g. one only the grid sets).</summary>
public sealed class InvalidStatusTransitionException(string message) : Exception(message);

/// <summary>A client token was reused with a different request.</summary>
public sealed class ClientTokenConflictException(string message) : Exception(message);

/// <summary>A request breaks a rule of the grains (bad lifetime, blocked device, …).</summary>
public sealed class CommandValidationException(string message) : Exception(message);
