namespace CommandGrid.Runtime.Cluster;

/// <summary>The kinds of frame on a cluster connection.</summary>
internal enum FrameKind : byte
{
    /// <summary>The first frame the dialling side sends: its member id, so the listener can send back to it.</summary>
    Hello = 1,

    /// <summary>A call expecting a <see cref="Response"/> with the same request id.</summary>
    Request = 2,

    Response = 3,

    /// <summary>A call nobody waits for (one-way methods, observer notifications).</summary>
    OneWay = 4,
}
