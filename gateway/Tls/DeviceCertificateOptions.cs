namespace CommandGrid.Gateway.Tls;

/// <summary>How devices may identify themselves with an X.509 certificate (section "Devices:ClientCertificates").</summary>
public sealed class DeviceCertificateOptions
{
    public const string SectionName = "Devices:ClientCertificates";

    /// <summary>The CA bundle (PEM) whose certificates identify devices; none: devices log in with tokens or the device secret only.</summary>
    public string? CaPath { get; set; }

    public DeviceCertificateMode Mode { get; set; } = DeviceCertificateMode.Allow;

    /// <summary>Serial numbers (hex, as openssl prints them) of device certificates no longer accepted.</summary>
    public List<string> RevokedSerials { get; set; } = [];

    /// <summary>A CRL file (PEM or DER) signed by a CA of the bundle: the certificates it lists are refused too; read again when it changes.</summary>
    public string? CrlPath { get; set; }
}

public enum DeviceCertificateMode
{
    /// <summary>A device logs in with a certificate of the device CA, or with a token or the device secret.</summary>
    Allow,

    /// <summary>A device logs in only with a certificate of the device CA.</summary>
    Require,
}
