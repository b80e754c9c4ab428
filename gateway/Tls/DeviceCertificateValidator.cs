using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CommandGrid.Gateway.Commands;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
    private readonly CertificateAuthorityBundle? _authorities;
    private readonly HashSet<string> _revokedSerials;
    private readonly CertificateRevocationList? _crl;
    private readonly TimeProvider _clock;

    /// <param name="environment">Its content root is where a relative CaPath starts from, as for Kestrel's certificates.</param>
    public DeviceCertificateValidator(IOptions<DeviceCertificateOptions> options, IHostEnvironment environment, TimeProvider clock, ILogger<DeviceCertificateValidator> logger)
    {
        var settings = options.Value;
        _clock = clock;
        Mode = settings.Mode;
        _revokedSerials = settings.RevokedSerials.Select(CertificateSerial.Normalize).ToHashSet(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(settings.CaPath))
        {
            if (Mode == DeviceCertificateMode.Require)
            {
                throw new OptionsValidationException(DeviceCertificateOptions.SectionName, typeof(DeviceCertificateOptions),
                    [$"{DeviceCertificateOptions.SectionName}:Mode is Require but no {DeviceCertificateOptions.SectionName}:CaPath names the device CA"]);
            }
            return;
        }
        _authorities = CertificateAuthorityBundle.Load(Path.GetFullPath(settings.CaPath, environment.ContentRootPath), $"{DeviceCertificateOptions.SectionName}:CaPath");
        if (!string.IsNullOrWhiteSpace(settings.CrlPath))
        {
            _crl = new CertificateRevocationList(Path.GetFullPath(settings.CrlPath, environment.ContentRootPath), _authorities.All, clock, logger);
        }
    }

    /// <summary>Whether a device CA is configured: only then is a client certificate asked for and looked at.</summary>
    public bool IsConfigured => _authorities is not null;

    public DeviceCertificateMode Mode { get; }

    public DeviceCertificateCheck Check(X509Certificate2 certificate)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var (status, description) = (_authorities ?? throw new InvalidOperationException("No device CA is configured."))
            .Verify(certificate, now, CertificateAuthorityBundle.ClientAuthentication);

        // Anything but the time and the usage means the chain does not lead to the device CA (foreign, forged, malformed).
        if ((status & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotValidForUsage)) != X509ChainStatusFlags.NoError)
        {
            return DeviceCertificateCheck.Refused(DeviceCertificateRefusal.Untrusted,
                $"The certificate {certificate.Subject} is not issued by the device CA ({description})");
        }
        if ((status & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            return DeviceCertificateCheck.Refused(DeviceCertificateRefusal.Expired, certificate.NotAfter.ToUniversalTime() < now
                ? $"The certificate {certificate.Subject} expired at {certificate.NotAfter.ToUniversalTime():u}"
                : $"The certificate {certificate.Subject} (or its CA) is not valid at {now:u}: valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}");
        }
        if ((status & X509ChainStatusFlags.NotValidForUsage) != 0)
        {
            return DeviceCertificateCheck.Refused(DeviceCertificateRefusal.Unusable, $"The certificate {certificate.Subject} is not for client authentication");
        }
        var serial = CertificateSerial.Normalize(certificate.SerialNumber);
        if (_revokedSerials.Contains(serial) || _crl?.Revokes(serial) == true)
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
}
