using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace CommandGrid.Mqtt.Codec;

/// <summary>
/// Writes packet fields into a buffer. Bodies are written before the fixed header is known
/// (the remaining length depends on them), so the encoder writes into a scratch buffer first.
/// </summary>
internal readonly struct MqttBodyWriter(ArrayBufferWriter<byte> buffer)
{
    public int Length => buffer.WrittenCount;

    public void WriteByte(byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer.GetSpan(2), value);
        buffer.Advance(2);
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    public void WriteVariableByteInteger(int value) => MqttVariableByteInteger.Write(buffer, value);

    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException("An MQTT string is at most 65,535 bytes of UTF-8.", nameof(value));
        }

        WriteUInt16((ushort)length);
        var span = buffer.GetSpan(length);
        Encoding.UTF8.GetBytes(value, span);
        buffer.Advance(length);
    }

    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException("MQTT binary data is at most 65,535 bytes.", nameof(value));
        }

        WriteUInt16((ushort)value.Length);
        WriteRaw(value);
    }

    public void WriteRaw(ReadOnlySpan<byte> value) => buffer.Write(value);
}
