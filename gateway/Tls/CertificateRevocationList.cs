using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Tls;

/// <summary>
/// The serials a CRL file (PEM or DER, X.509 v2) revokes, once its signature verifies against a CA of the bundle that
/// issued it. .NET reads CRLs only through the platform's chain engine, which fetches them by the certificate's
/// distribution point into a cache of its own and has no way to be handed a file, so the few fields needed are read
/// here with System.Formats.Asn1. The file is read again when it changes (<see cref="ReloadingFiles{T}"/>), as a CA
/// publishes a new one before the old one's next update; a new file that does not verify keeps the last good list.
/// </summary>
public sealed class CertificateRevocationList
{
    private readonly string _path;
    private readonly X509Certificate2Collection _authorities;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ReloadingFiles<HashSet<string>> _file;

    public CertificateRevocationList(string path, X509Certificate2Collection authorities, TimeProvider clock, ILogger logger)
    {
        _path = path;
        _authorities = authorities;
        _clock = clock;
        _logger = logger;
        try
        {
            _file = new ReloadingFiles<HashSet<string>>([path], Read, static ex => ex is CryptographicException or AsnContentException or FormatException,
                serials => logger.LogInformation("Device CRL {Path} reloaded: {Count} revoked certificates", path, serials.Count),
                ex => logger.LogWarning("Device CRL {Path} changed but does not load ({Error}); the previous list stays in use", path, ex.Message));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or AsnContentException or FormatException)
        {
            throw new InvalidOperationException($"{DeviceCertificateOptions.SectionName}:CrlPath {path}: {ex.Message}", ex);
        }
    }

    /// <summary>Whether the CRL lists <paramref name="normalizedSerial"/> (<see cref="CertificateSerial.Normalize(string)"/>).</summary>
    public bool Revokes(string normalizedSerial) => _file.Current.Contains(normalizedSerial);

    private HashSet<string> Read()
    {
        var der = Decode(File.ReadAllBytes(_path));
        var list = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbsEncoded = list.ReadEncodedValue();
        var algorithm = list.ReadSequence().ReadObjectIdentifier();
        var signature = list.ReadBitString(out _);

        var tbs = new AsnReader(tbsEncoded, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger();
        }
        tbs.ReadSequence();
        var issuer = tbs.ReadEncodedValue();
        ReadTime(tbs);
        DateTimeOffset? nextUpdate = tbs.HasData && IsTime(tbs.PeekTag()) ? ReadTime(tbs) : null;
        var serials = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var revoked = tbs.ReadSequence();
            while (revoked.HasData)
            {
                var entry = revoked.ReadSequence();
                serials.Add(CertificateSerial.Normalize(entry.ReadIntegerBytes().Span));
            }
        }

        var signer = _authorities.FirstOrDefault(ca => ca.SubjectName.RawData.AsSpan().SequenceEqual(issuer.Span))
            ?? throw new CryptographicException("it is not issued by a CA of Devices:ClientCertificates:CaPath");
        if (!Verifies(signer, algorithm, tbsEncoded.Span, signature))
        {
            throw new CryptographicException($"its signature does not verify with {signer.Subject}'s key");
        }
        if (nextUpdate < _clock.GetUtcNow())
        {
            _logger.LogWarning("Device CRL {Path} was due to be replaced at {NextUpdate:u}; it is used until a newer one is written", _path, nextUpdate);
        }
        return serials;
    }

    private static bool Verifies(X509Certificate2 signer, string algorithm, ReadOnlySpan<byte> signed, ReadOnlySpan<byte> signature)
    {
        var (hash, ecdsa) = algorithm switch
        {
            "1.2.840.10045.4.3.2" => (HashAlgorithmName.SHA256, true),
            "1.2.840.10045.4.3.3" => (HashAlgorithmName.SHA384, true),
            "1.2.840.10045.4.3.4" => (HashAlgorithmName.SHA512, true),
            "1.2.840.113549.1.1.11" => (HashAlgorithmName.SHA256, false),
            "1.2.840.113549.1.1.12" => (HashAlgorithmName.SHA384, false),
            "1.2.840.113549.1.1.13" => (HashAlgorithmName.SHA512, false),
            _ => throw new CryptographicException($"its signature algorithm {algorithm} is not one of ECDSA or RSA PKCS#1 with SHA-256, -384 or -512"),
        };
        if (ecdsa)
        {
            using var key = signer.GetECDsaPublicKey() ?? throw new CryptographicException($"{signer.Subject} has no ECDSA key");
            return key.VerifyData(signed, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        using var rsa = signer.GetRSAPublicKey() ?? throw new CryptographicException($"{signer.Subject} has no RSA key");
        return rsa.VerifyData(signed, signature, hash, RSASignaturePadding.Pkcs1);
    }

    private static byte[] Decode(byte[] file)
    {
        var text = System.Text.Encoding.ASCII.GetString(file);
        if (!text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal))
        {
            return file;
        }
        var pem = PemEncoding.Find(text);
        return Convert.FromBase64String(text[pem.Base64Data]);
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
