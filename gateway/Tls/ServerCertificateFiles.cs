using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CommandGrid.Gateway.Tls;

/// <summary>
/// A server certificate read from files, shaped like Kestrel's own <c>Certificate</c> sections: <c>Path</c> and
/// <c>KeyPath</c> (PEM; the certificate file may carry its chain after it), or <c>Path</c> alone with <c>Password</c>
/// (PKCS#12). It is replaced when its files change: each handshake compares the files' times and sizes (two stat
/// calls, against the millisecond a handshake costs), so the next connection after a rotation gets the new
/// certificate with no timer to wait for and no watcher to miss a rename, and open connections are not touched. A
/// change that does not load (a key written after its certificate, a half-copied file) keeps the certificate in use
/// until the files change again.
/// </summary>
public sealed class ServerCertificateFiles
{
    private readonly string _path;
    private readonly string? _keyPath;
    private readonly string? _password;
    private readonly ILogger _logger;
    private readonly Lock _reload = new();
    private volatile Loaded _current;
    private FileStamps _tried;

    private ServerCertificateFiles(string path, string? keyPath, string? password, ILogger logger)
    {
        _path = path;
        _keyPath = keyPath;
        _password = password;
        _logger = logger;
        _tried = Stamp();
        _current = new Loaded(Load(), _tried);
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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"{section.Path}: the certificate {section["Path"]} does not load: {ex.Message}", ex);
        }
    }

    /// <summary>The certificate to present now, reloaded first if its files changed.</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            var stamps = Stamp();
            var current = _current;
            if (stamps != current.Stamps)
            {
                TryReload(stamps);
            }
            return _current.Context;
        }
    }

    private void TryReload(FileStamps stamps)
    {
        lock (_reload)
        {
            if (stamps == _current.Stamps || stamps == _tried)
            {
                return;
            }
            _tried = stamps;
            try
            {
                var context = Load();
                _current = new Loaded(context, stamps);
                _logger.LogInformation("Server certificate {Path} reloaded: {Subject}, thumbprint {Thumbprint}, valid until {NotAfter:u}",
                    _path, context.TargetCertificate.Subject, context.TargetCertificate.Thumbprint, context.TargetCertificate.NotAfter.ToUniversalTime());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                _logger.LogWarning("Server certificate {Path} changed but does not load ({Error}); the previous one stays in use until the files change again",
                    _path, ex.Message);
            }
        }
    }

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

    private FileStamps Stamp() => new(FileStamp.Of(_path), _keyPath is null ? default : FileStamp.Of(_keyPath));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private sealed record Loaded(SslStreamCertificateContext Context, FileStamps Stamps);

    private readonly record struct FileStamps(FileStamp Certificate, FileStamp Key);

    private readonly record struct FileStamp(DateTime WrittenAt, long Length)
    {
        public static FileStamp Of(string path)
        {
            var file = new FileInfo(path);
            return file.Exists ? new FileStamp(file.LastWriteTimeUtc, file.Length) : default;
        }
    }
}
