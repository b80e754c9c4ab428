using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CommandGrid.Gateway.Commands;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.Tls;

/// <summary>
/// Checks a device's certificate against the device CA (<see cref="DeviceCertificateOptions"/>), as AWS IoT does: a
/// certificate of that CA, valid now, not revoked and meant for client authentication, names its thing by its
/// subject CN. The TLS handshake takes any certificate and the check runs at the MQTT CONNECT, where a refusal
/// reaches the device as a reason (an MQTT 5 CONNACK reason string), the log and a counter, instead of a bare
/// TLS alert.
/// </summary>
public sealed class DeviceCertificateValidator
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2Collection _roots = [];
    private readonly X509Certificate2Collection _intermediates = [];
    private readonly HashSet<string> _revokedSerials;
    private readonly TimeProvider _clock;

    public DeviceCertificateValidator(IOptions<DeviceCertificateOptions> options, TimeProvider clock)
    {
        var settings = options.Value;
        _clock = clock;
        Mode = settings.Mode;
        _revokedSerials = settings.RevokedSerials.Select(NormalizeSerial).ToHashSet(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(settings.CaPath))
        {
            if (Mode == DeviceCertificateMode.Require)
            {
                throw new OptionsValidationException(DeviceCertificateOptions.SectionName, typeof(DeviceCertificateOptions),
                    [$"{DeviceCertificateOptions.SectionName}:Mode is Require but no {DeviceCertificateOptions.SectionName}:CaPath names the device CA"]);
            }
            return;
        }
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(settings.CaPath);
        if (bundle.Count == 0)
        {
            throw new OptionsValidationException(DeviceCertificateOptions.SectionName, typeof(DeviceCertificateOptions),
                [$"{DeviceCertificateOptions.SectionName}:CaPath {settings.CaPath} holds no PEM certificate"]);
        }
        foreach (var authority in bundle)
        {
            // Self-signed ones are trust anchors; the others are intermediates a chain may pass through.
            (authority.SubjectName.RawData.AsSpan().SequenceEqual(authority.IssuerName.RawData) ? _roots : _intermediates).Add(authority);
        }
        IsConfigured = true;
    }

    /// <summary>Whether a device CA is configured: only then is a client certificate asked for and looked at.</summary>
    public bool IsConfigured { get; }

    public DeviceCertificateMode Mode { get; }

    public DeviceCertificateCheck Check(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_roots);
        policy.ExtraStore.AddRange(_intermediates);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = _clock.GetUtcNow().UtcDateTime;
        policy.ApplicationPolicy.Add(ClientAuthentication);
        chain.Build(certificate);
        var status = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);

        // Anything but the time and the usage means the chain does not lead to the device CA (foreign, forged, malformed).
        if ((status & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotValidForUsage)) != X509ChainStatusFlags.NoError)
        {
            return DeviceCertificateCheck.Refused(DeviceCertificateRefusal.Untrusted,
                $"The certificate {certificate.Subject} is not issued by the device CA ({Describe(chain)})");
        }
        if ((status & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            var now = policy.VerificationTime.ToUniversalTime();
            return DeviceCertificateCheck.Refused(DeviceCertificateRefusal.Expired, certificate.NotAfter.ToUniversalTime() < now
                ? $"The certificate {certificate.Subject} expired at {certificate.NotAfter.ToUniversalTime():u}"
                : $"The certificate {certificate.Subject} (or its CA) is not valid at {now:u}: valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}");
        }
        if ((status & X509ChainStatusFlags.NotValidForUsage) != 0)
        {
            return DeviceCertificateCheck.Refused(DeviceCertificateRefusal.Unusable, $"The certificate {certificate.Subject} is not for client authentication");
        }
        if (_revokedSerials.Contains(NormalizeSerial(certificate.SerialNumber)))
        {
            return DeviceCertificateCheck.Refused(DeviceCertificateRefusal.Revoked, $"The certificate {certificate.Subject} (serial {certificate.SerialNumber}) is revoked");
        }
        var thing = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (!CommandRules.IsValidDeviceId(thing))
        {
            return DeviceCertificateCheck.Refused(DeviceCertificateRefusal.Unusable,
                $"The certificate's subject {certificate.Subject} has no CN that is a thing name (letters, digits, '-', '_', '.', at most 128)");
        }
        return DeviceCertificateCheck.Valid(thing);
    }

    private static string Describe(X509Chain chain) =>
        string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());

    /// <summary>openssl prints serials as colon-separated or plain hex, .NET as plain upper-case hex: compared without separators or leading zeros.</summary>
    private static string NormalizeSerial(string serial) =>
        new string([.. serial.Where(Uri.IsHexDigit).Select(char.ToUpperInvariant)]).TrimStart('0');
}
