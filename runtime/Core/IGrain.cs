namespace CommandGrid.Runtime;

/// <summary>Marker of a grain interface. Every method returns Task or Task&lt;T&gt; and takes serialisable arguments.</summary>
public interface IGrain;

public interface IGrainWithStringKey : IGrain;

public interface IGrainWithIntegerKey : IGrain;

/// <summary>
/// Marker of an observer interface: an object outside the grain (a gateway connection) that
/// a grain notifies. Observer calls are one-way: the grain never waits for the observer.
/// </summary>
public interface IGrainObserver;

/// <summary>Names the grain type of an interface; the name is part of every grain id and storage key.</summary>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>The caller does not wait for the call to run; it completes once the message is handed to the runtime.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OneWayAttribute : Attribute;
