using System.Reflection;

namespace CommandGrid.Runtime.Messaging;

/// <summary>
/// The object a caller holds for a grain or observer: every interface call becomes a
/// <see cref="GrainRequest"/> handed to the runtime.
/// </summary>
public class GrainReferenceProxy : DispatchProxy, IGrainReference
{
    private GrainRuntime? _runtime;

    public GrainId ReferenceId { get; private set; }

    internal static object Create(Type grainInterface, GrainId id, GrainRuntime runtime)
    {
        var proxy = (GrainReferenceProxy)Create(grainInterface, typeof(GrainReferenceProxy));
        proxy._runtime = runtime;
        proxy.ReferenceId = id;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.DeclaringType == typeof(IGrainReference))
        {
            return ReferenceId;
        }
        return _runtime!.Invoke(ReferenceId, GrainMethod.For(targetMethod), args ?? []);
    }

    public override bool Equals(object? obj) => obj is IGrainReference other && other.ReferenceId == ReferenceId;

    public override int GetHashCode() => ReferenceId.GetHashCode();

    public override string ToString() => ReferenceId.ToString();
}
