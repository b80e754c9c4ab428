using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using CommandGrid.Runtime.Messaging;

namespace CommandGrid.Runtime.Cluster;

/// <summary>
/// The wire format: every frame is [int32 length][byte kind][int64 request id][body], little
/// endian, length counting kind + id + body. Bodies are a compact binary form of the records
/// (strings and byte arrays length-prefixed), so arguments already serialised by the runtime
/// cross without being re-encoded.
/// </summary>
internal static class FrameCodec
{
    public const int HeaderSize = 4;
    public const int MaxFrameSize = 64 * 1024 * 1024;

    public static byte[] Hello(string memberId) => Encode(FrameKind.Hello, 0, w => w.Write(memberId));

    public static byte[] Request(FrameKind kind, long id, GrainRequest request) => Encode(kind, id, w =>
    {
        WriteGrainId(w, request.Target);
        w.Write(request.Interface);
        w.Write(request.Method);
        w.Write(request.Arguments.Length);
        foreach (var argument in request.Arguments)
        {
            w.Write(argument.Length);
            w.Write(argument);
        }
        w.Write(request.OneWay);
        var chain = request.CallChain.IsDefault ? [] : request.CallChain;
        w.Write(chain.Length);
        foreach (var grain in chain)
        {
            WriteGrainId(w, grain);
        }
        w.Write(request.Forwarded);
    });

    public static byte[] Response(long id, GrainResponse response) => Encode(FrameKind.Response, id, w =>
    {
        w.Write(response.Result is not null);
        if (response.Result is not null)
        {
            w.Write(response.Result.Length);
            w.Write(response.Result);
        }
        w.Write(response.Error is not null);
        if (response.Error is not null)
        {
            w.Write(response.Error.Type);
            w.Write(response.Error.Message);
        }
    });

    /// <summary>Takes one whole frame off the front of <paramref name="buffer"/>, if it holds one.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out FrameKind kind, out long id, out byte[] body)
    {
        kind = default;
        id = 0;
        body = [];
        if (buffer.Length < HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 9 || length > MaxFrameSize)
        {
            throw new InvalidDataException($"Frame length {length} is out of bounds.");
        }
        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }
        var frame = buffer.Slice(HeaderSize, length).ToArray();
        kind = (FrameKind)frame[0];
        id = BinaryPrimitives.ReadInt64LittleEndian(frame.AsSpan(1, 8));
        body = frame[9..];
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    public static string ReadHello(byte[] body) => Reader(body).ReadString();

    public static GrainRequest ReadRequest(byte[] body)
    {
        using var r = Reader(body);
        var target = ReadGrainId(r);
        var @interface = r.ReadString();
        var method = r.ReadString();
        var arguments = ImmutableArray.CreateBuilder<byte[]>(r.ReadInt32());
        for (var i = 0; i < arguments.Capacity; i++)
        {
            arguments.Add(r.ReadBytes(r.ReadInt32()));
        }
        var oneWay = r.ReadBoolean();
        var chain = ImmutableArray.CreateBuilder<GrainId>(r.ReadInt32());
        for (var i = 0; i < chain.Capacity; i++)
        {
            chain.Add(ReadGrainId(r));
        }
        var forwarded = r.ReadInt32();
        return new GrainRequest(target, @interface, method, arguments.MoveToImmutable(), oneWay, chain.MoveToImmutable(), forwarded);
    }

    public static GrainResponse ReadResponse(byte[] body)
    {
        using var r = Reader(body);
        var result = r.ReadBoolean() ? r.ReadBytes(r.ReadInt32()) : null;
        var error = r.ReadBoolean() ? new RemoteError(r.ReadString(), r.ReadString()) : null;
        return new GrainResponse(result, error);
    }

    private static BinaryReader Reader(byte[] body) => new(new MemoryStream(body, writable: false));

    private static byte[] Encode(FrameKind kind, long id, Action<BinaryWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(0); // length, patched below
            w.Write((byte)kind);
            w.Write(id);
            body(w);
        }
        var frame = stream.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(frame, frame.Length - HeaderSize);
        return frame;
    }

    private static void WriteGrainId(BinaryWriter w, GrainId id)
    {
        w.Write(id.Type);
        w.Write(id.Key);
    }

    private static GrainId ReadGrainId(BinaryReader r) => new(r.ReadString(), r.ReadString());
}
