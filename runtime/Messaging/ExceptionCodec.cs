using System.Collections.Concurrent;
using System.Reflection;

namespace CommandGrid.Runtime.Messaging;

/// <summary>
/// Recreates on the caller's side the exception a grain threw, when its type is known here
/// and has a (string message) constructor; otherwise a <see cref="GrainException"/> keeps its name.
/// </summary>
internal static class ExceptionCodec
{
    private static readonly ConcurrentDictionary<string, ConstructorInfo?> Constructors = new();

    public static Exception ToException(RemoteError error)
    {
        var ctor = Constructors.GetOrAdd(error.Type, static name =>
        {
            var type = Type.GetType(name, throwOnError: false);
            if (type is null || !typeof(Exception).IsAssignableFrom(type))
            {
                return null;
            }
            return type.GetConstructor([typeof(string)]);
        });
        if (ctor?.Invoke([error.Message]) is Exception recreated)
        {
            return recreated;
        }
        return new GrainException(error.Message, error.Type);
    }
}
