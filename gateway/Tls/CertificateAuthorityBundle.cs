using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CommandGrid.Gateway.Tls;

/// <summary>
/// The CAs of a PEM bundle, as the only trust for a kind of peer (devices, cluster members): a certificate verifies
/// when its chain leads to one of its self-signed certificates, through its other ones if need be, never through the
/// machine's trust store, with no download and no online revocation check.
/// </summary>
public sealed class CertificateAuthorityBundle
{
    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    private readonly X509Certificate2Collection _roots = [];
    private readonly X509Certificate2Collection _intermediates = [];

    private CertificateAuthorityBundle()
    {
    }

    /// <summary>Reads the bundle; a file with no certificate in it is a configuration error named after <paramref name="setting"/>.</summary>
    public static CertificateAuthorityBundle Load(string path, string setting)
    {
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidOperationException($"{setting}: {path} does not load: {ex.Message}", ex);
        }
        if (bundle.Count == 0)
        {
            throw new InvalidOperationException($"{setting}: {path} holds no PEM certificate");
        }
        var authorities = new CertificateAuthorityBundle();
        foreach (var authority in bundle)
        {
            (authority.SubjectName.RawData.AsSpan().SequenceEqual(authority.IssuerName.RawData) ? authorities._roots : authorities._intermediates).Add(authority);
        }
        return authorities;
    }

    /// <summary>Every certificate of the bundle (a CRL is signed by one of them).</summary>
    public X509Certificate2Collection All => [.. _roots, .. _intermediates];

    /// <summary>Builds <paramref name="certificate"/>'s chain at <paramref name="at"/>, for <paramref name="usage"/>; the flags of every link together, and their words.</summary>
    public (X509ChainStatusFlags Status, string Description) Verify(X509Certificate2 certificate, DateTime at, Oid usage)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_roots);
        policy.ExtraStore.AddRange(_intermediates);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = at;
        policy.ApplicationPolicy.Add(usage);
        chain.Build(certificate);
        var status = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        return (status, string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct()));
    }
}
