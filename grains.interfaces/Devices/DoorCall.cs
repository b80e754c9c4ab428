namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// What a gateway's call to a device grain carries in its request context: the call comes through a door, and the
/// silo it reaches first is the one the gateway sends every later call for that device to.
/// </summary>
public static class DoorCall
{
    public const string RequestContextKey = "cg.door";
}
