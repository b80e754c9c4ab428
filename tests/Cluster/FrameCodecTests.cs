using System.Buffers;
using CommandGrid.Runtime;
using CommandGrid.Runtime.Cluster;
using CommandGrid.Runtime.Messaging;
using Xunit;

namespace CommandGrid.Tests.Cluster;

public sealed class FrameCodecTests
{
    [Fact]
    public void Transport_FramesRoundTripRequestsAndResponses()
    {
        var request = new GrainRequest(new GrainId("device", "d-1"), "IDeviceGrain", "GetAsync", [[1, 2, 3], []], false,
            [new GrainId("command", "7")], 1);
        var response = new GrainResponse(null, new RemoteError("Some.Type", "boom"));
        var bytes = FrameCodec.Request(FrameKind.Request, 42, request).Concat(FrameCodec.Response(43, response)).ToArray();
        // Split the stream anywhere: a frame is read only when whole.
        var partial = new ReadOnlySequence<byte>(bytes[..10]);
        Assert.False(FrameCodec.TryRead(ref partial, out _, out _, out _));

        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(FrameCodec.TryRead(ref buffer, out var kind, out var id, out var body));
        Assert.Equal((FrameKind.Request, 42L), (kind, id));
        var read = FrameCodec.ReadRequest(body);
        Assert.Equal((request.Target, request.Interface, request.Method, request.Forwarded), (read.Target, read.Interface, read.Method, read.Forwarded));
        Assert.Equal([1, 2, 3], read.Arguments[0]);
        Assert.Empty(read.Arguments[1]);
        Assert.Equal(request.CallChain.ToArray(), read.CallChain.ToArray());

        Assert.True(FrameCodec.TryRead(ref buffer, out kind, out id, out body));
        Assert.Equal((FrameKind.Response, 43L), (kind, id));
        Assert.Equal(response.Error, FrameCodec.ReadResponse(body).Error);
        Assert.Equal(0, buffer.Length);
    }
}
