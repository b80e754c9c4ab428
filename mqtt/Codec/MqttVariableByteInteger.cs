using System.Buffers;

namespace CommandGrid.Mqtt.Codec;

/// <summary>
/// The variable byte integer: 7 bits per byte, low group first, high bit = "more follows",
/// at most four bytes (so at most 268,435,455).
/// </summary>
public static class MqttVariableByteInteger
{
    public const int MaxValue = 268_435_455;
    public const int MaxLength = 4;

    public static int GetSize(int value) => value switch
    {
        < 0 => throw new ArgumentOutOfRangeException(nameof(value)),
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        <= MaxValue => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Exceeds the variable byte integer range."),
    };

    /// <summary>Writes the encoding into <paramref name="destination"/> and returns its length.</summary>
    public static int Write(Span<byte> destination, int value)
    {
        var size = GetSize(value);
        for (var i = 0; i < size; i++)
        {
            var digit = (byte)(value & 0x7F);
            value >>= 7;
            destination[i] = i < size - 1 ? (byte)(digit | 0x80) : digit;
        }

        return size;
    }

    public static void Write(IBufferWriter<byte> output, int value)
    {
        var span = output.GetSpan(MaxLength);
        output.Advance(Write(span, value));
    }

    /// <summary>
    /// Reads one integer. Returns false (consuming nothing) when the input ends before the last
    /// byte; throws a malformed-packet error when a fourth byte still says "more follows".
    /// </summary>
    public static bool TryRead(ref SequenceReader<byte> reader, out int value)
    {
        value = 0;
        var start = reader.Consumed;
        for (var i = 0; i < MaxLength; i++)
        {
            if (!reader.TryRead(out var b))
            {
                reader.Rewind(reader.Consumed - start);
                value = 0;
                return false;
            }

            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        throw MqttProtocolException.Malformed("Variable byte integer longer than four bytes.");
    }
}
