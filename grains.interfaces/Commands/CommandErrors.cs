namespace CommandGrid.Grains.Interfaces;

// Thrown inside grains and recreated by Orleans on the caller's side, so each door maps them to its own error.

[GenerateSerializer, Alias("cg.CommandNotFoundException")]
public sealed class CommandNotFoundException : Exception
{
    public CommandNotFoundException(string message) : base(message)
    {
    }
}

[GenerateSerializer, Alias("cg.DeviceNotFoundException")]
public sealed class DeviceNotFoundException : Exception
{
    public DeviceNotFoundException(string message) : base(message)
    {
    }
}

/// <summary>The execution already reached a final status and never changes again.</summary>
[GenerateSerializer, Alias("cg.CommandFinalException")]
public sealed class CommandFinalException : Exception
{
    public CommandFinalException(string message) : base(message)
    {
    }
}

/// <summary>The device reported a status it may not move to (e.g. one only the grid sets).</summary>
[GenerateSerializer, Alias("cg.InvalidStatusTransitionException")]
public sealed class InvalidStatusTransitionException : Exception
{
    public InvalidStatusTransitionException(string message) : base(message)
    {
    }
}

/// <summary>A client token was reused with a different request.</summary>
[GenerateSerializer, Alias("cg.ClientTokenConflictException")]
public sealed class ClientTokenConflictException : Exception
{
    public ClientTokenConflictException(string message) : base(message)
    {
    }
}

/// <summary>A request breaks a rule of the grains (bad lifetime, blocked device, …).</summary>
[GenerateSerializer, Alias("cg.CommandValidationException")]
public sealed class CommandValidationException : Exception
{
    public CommandValidationException(string message) : base(message)
    {
    }
}

/// <summary>An update named the version it expected, and the execution has another (AWS IoT Jobs' VersionMismatch).</summary>
[GenerateSerializer, Alias("cg.VersionMismatchException")]
public sealed class VersionMismatchException : Exception
{
    public VersionMismatchException(string message) : base(message)
    {
    }
}
