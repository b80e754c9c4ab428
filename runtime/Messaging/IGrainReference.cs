namespace CommandGrid.Runtime.Messaging;

/// <summary>Implemented by every grain and observer reference: the id the runtime routes its calls to.</summary>
public interface IGrainReference
{
    GrainId ReferenceId { get; }
}
