using System.Buffers;
using System.Text;

namespace CommandGrid.Mqtt.Codec;

/// <summary>
/// Reads the fields of one packet body, which the decoder has already bounded by the remaining
/// length. Running out of bytes inside a body therefore means the remaining length lied about
/// the contents: a malformed packet, never "need more data".
/// </summary>
internal ref struct MqttBodyReader
{
    // Strict: rejects overlong forms, encoded surrogates and truncated sequences, as the spec requires.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private SequenceReader<byte> _reader;

    public MqttBodyReader(ReadOnlySequence<byte> body) => _reader = new SequenceReader<byte>(body);

    public readonly long Remaining => _reader.Remaining;

    public readonly bool End => _reader.End;

    public byte ReadByte()
    {
        if (!_reader.TryRead(out var value))
        {
            throw MqttProtocolException.Malformed("Packet ends inside a one-byte field.");
        }

        return value;
    }

    public ushort ReadUInt16()
    {
        if (!_reader.TryReadBigEndian(out short value))
        {
            throw MqttProtocolException.Malformed("Packet ends inside a two-byte integer.");
        }

        return (ushort)value;
    }

    public uint ReadUInt32()
    {
        if (!_reader.TryReadBigEndian(out int value))
        {
            throw MqttProtocolException.Malformed("Packet ends inside a four-byte integer.");
        }

        return (uint)value;
    }

    public int ReadVariableByteInteger()
    {
        if (!MqttVariableByteInteger.TryRead(ref _reader, out var value))
        {
            throw MqttProtocolException.Malformed("Packet ends inside a variable byte integer.");
        }

        return value;
    }

    public string ReadString()
    {
        var length = ReadUInt16();
        var bytes = ReadSlice(length, "UTF-8 string");
        string text;
        try
        {
            text = bytes.IsSingleSegment ? StrictUtf8.GetString(bytes.FirstSpan) : StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw MqttProtocolException.Malformed("String is not well-formed UTF-8.");
        }

        if (text.Contains('\0'))
        {
            throw MqttProtocolException.Malformed("String contains U+0000.");
        }

        return text;
    }

    public byte[] ReadBinary()
    {
        var length = ReadUInt16();
        return ReadSlice(length, "binary data").ToArray();
    }

    /// <summary>Everything left in the body (the PUBLISH payload).</summary>
    public ReadOnlySequence<byte> ReadRest()
    {
        var rest = _reader.UnreadSequence;
        _reader.AdvanceToEnd();
        return rest;
    }

    public ReadOnlySequence<byte> ReadSlice(long length, string what)
    {
        if (_reader.Remaining < length)
        {
            throw MqttProtocolException.Malformed($"Packet ends inside {what}.");
        }

        var slice = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return slice;
    }
}
