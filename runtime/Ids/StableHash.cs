using System.Text;

namespace CommandGrid.Runtime;

/// <summary>
/// FNV-1a over UTF-8 with a murmur3 finaliser: stable across processes (unlike
/// string.GetHashCode) and well spread, so keys fall evenly on the placement ring.
/// </summary>
public static class StableHash
{
    public static uint Of(string type, string key)
    {
        uint hash = 2166136261;
        hash = Mix(hash, type);
        hash = (hash ^ '/') * 16777619;
        hash = Mix(hash, key);
        return Finalise(hash);
    }

    public static uint Of(string text) => Finalise(Mix(2166136261, text));

    private static uint Mix(uint hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(text, buffer)]
            : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }
        return hash;
    }

    private static uint Finalise(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }
}
