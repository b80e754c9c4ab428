using System.Collections.Concurrent;
using System.Reflection;

namespace CommandGrid.Tests.Observers;

/// <summary>
/// An IGrainFactory that only makes and deletes observer references, recording both in the shared
/// journal; its references are the observers themselves. Any other call fails the test.
/// </summary>
public class RecordingGrainFactory : DispatchProxy
{
    private ConcurrentQueue<string> _journal = null!;

    public static IGrainFactory Create(ConcurrentQueue<string> journal)
    {
        var factory = Create<IGrainFactory, RecordingGrainFactory>();
        ((RecordingGrainFactory)(object)factory)._journal = journal;
        return factory;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        switch (targetMethod?.Name)
        {
            case nameof(IGrainFactory.CreateObjectReference):
                _journal.Enqueue("create reference");
                return args![0];
            case nameof(IGrainFactory.DeleteObjectReference):
                _journal.Enqueue("delete reference");
                return null;
            default:
                throw new NotSupportedException($"{targetMethod?.Name} is not part of an observer subscription");
        }
    }
}
