using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Tls;

/// <summary>
/// A server certificate read from files, shaped like Kestrel's own <c>Certificate</c> sections: <c>Path</c> and
/// <c>KeyPath</c> (PEM; the certificate file may carry its chain after it), or <c>Path</c> alone with <c>Password</c>
/// (PKCS#12). It is replaced when its files change (<see cref="ReloadingFiles{T}"/>, checked at each handshake, against
/// the millisecond a handshake costs): the next connection after a rotation gets the new certificate, and open
/// connections are not touched.
/// </summary>
public sealed class ServerCertificateFiles
{
    private readonly string _path;
    private readonly string? _keyPath;
    private readonly string? _password;
    private readonly ReloadingFiles<SslStreamCertificateContext> _files;

    private ServerCertificateFiles(string path, string? keyPath, string? password, ILogger logger)
    {
        _path = path;
        _keyPath = keyPath;
        _password = password;
        _files = new ReloadingFiles<SslStreamCertificateContext>(keyPath is null ? [path] : [path, keyPath], Load,
            static ex => ex is CryptographicException or ArgumentException,
            context => logger.LogInformation("Server certificate {Path} reloaded: {Subject}, thumbprint {Thumbprint}, valid until {NotAfter:u}",
                path, context.TargetCertificate.Subject, context.TargetCertificate.Thumbprint, context.TargetCertificate.NotAfter.ToUniversalTime()),
            ex => logger.LogWarning("Server certificate {Path} changed but does not load ({Error}); the previous one stays in use until the files change again",
                path, ex.Message));
    }

    /// <summary>
    /// The certificate of a <c>Certificate</c> section, or null when the section names no <c>Path</c>. Relative paths are
    /// relative to <paramref name="contentRoot"/>, as Kestrel's own are. A certificate that does not load stops the start.
    /// </summary>
    public static ServerCertificateFiles? FromSection(IConfigurationSection section, string contentRoot, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(section["Path"]))
        {
            return null;
        }
        try
        {
            return new ServerCertificateFiles(Path.GetFullPath(section["Path"]!, contentRoot),
                NullIfEmpty(section["KeyPath"]) is { } key ? Path.GetFullPath(key, contentRoot) : null, NullIfEmpty(section["Password"]), logger);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"{section.Path}: the certificate {section["Path"]} does not load: {ex.Message}", ex);
        }
    }

    /// <summary>The certificate to present now, reloaded first if its files changed.</summary>
    public SslStreamCertificateContext Current => _files.Current;

    private SslStreamCertificateContext Load()
    {
        if (_keyPath is null)
        {
            var pkcs12 = X509CertificateLoader.LoadPkcs12CollectionFromFile(_path, _password);
            var leaf = pkcs12.FirstOrDefault(c => c.HasPrivateKey) ?? throw new ArgumentException("the file holds no certificate with a private key");
            return SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(pkcs12.Where(c => c != leaf).ToArray()), offline: true);
        }
        var certificate = _password is null
            ? X509Certificate2.CreateFromPemFile(_path, _keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(_path, _password, _keyPath);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(_path);
        return SslStreamCertificateContext.Create(certificate, new X509Certificate2Collection(chain.Skip(1).ToArray()), offline: true);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
