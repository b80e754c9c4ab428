using System.Collections.Immutable;

namespace CommandGrid.Runtime.Messaging;

/// <summary>
/// One grain call as it travels: the target, the method by interface and name, and each
/// argument serialised on its own. Nothing mutable is shared between caller and callee.
/// </summary>
/// <param name="CallChain">The grains waiting, in order, on this call; a target already in it would deadlock.</param>
/// <param name="Forwarded">How often a silo passed the call on because it did not own the target.</param>
public sealed record GrainRequest(
    GrainId Target,
    string Interface,
    string Method,
    ImmutableArray<byte[]> Arguments,
    bool OneWay,
    ImmutableArray<GrainId> CallChain,
    int Forwarded = 0);

/// <summary>The outcome of a grain call: the serialised result, or the error the callee threw.</summary>
public sealed record GrainResponse(byte[]? Result, RemoteError? Error)
{
    public static GrainResponse Success(byte[]? result) => new(result, null);

    public static GrainResponse Failure(Exception exception) => new(null, RemoteError.From(exception));
}

/// <summary>An exception as it crosses the wire: its type's name and its message.</summary>
public sealed record RemoteError(string Type, string Message)
{
    public static RemoteError From(Exception exception) =>
        new(exception.GetType().AssemblyQualifiedName ?? exception.GetType().FullName ?? "Exception", exception.Message);
}
