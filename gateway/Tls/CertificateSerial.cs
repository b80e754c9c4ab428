namespace CommandGrid.Gateway.Tls;

/// <summary>
/// A certificate serial number as revocation lists are compared by: openssl prints serials as colon-separated or plain
/// hex, .NET and CRLs as big-endian bytes or plain upper-case hex, some with a leading zero byte; compared as
/// upper-case hex without separators or leading zeros.
/// </summary>
public static class CertificateSerial
{
    public static string Normalize(string serial) =>
        new string([.. serial.Where(Uri.IsHexDigit).Select(char.ToUpperInvariant)]).TrimStart('0');

    public static string Normalize(ReadOnlySpan<byte> bigEndian) => Normalize(Convert.ToHexString(bigEndian));
}
