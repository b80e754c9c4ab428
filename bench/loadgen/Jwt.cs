using System.Security.Cryptography;
using System.Text;

namespace Loadgen;

/// <summary>An HS256 access token with DeviceHive's payload and every permission, as bench/mqtt-roundtrip/bench.js makes it.</summary>
public static class Jwt
{
    public static string AllPermissions(string secret)
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var expiry = DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeMilliseconds();
        var body = B64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." +
                   B64($"{{\"payload\":{{\"u\":1,\"a\":[0],\"n\":[\"*\"],\"dt\":[\"*\"],\"d\":[\"*\"],\"e\":{expiry},\"t\":1}}}}");
        var sig = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body));
        return body + "." + Convert.ToBase64String(sig).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
