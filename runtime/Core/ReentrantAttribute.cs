namespace CommandGrid.Runtime;

/// <summary>
/// Lets an activation start a call while earlier ones still wait on I/O. Only for grains
/// without mutable state between awaits, such as query grains.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ReentrantAttribute : Attribute;
