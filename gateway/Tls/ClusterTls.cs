using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Connections.Security;

namespace CommandGrid.Gateway.Tls;

/// <summary>
/// Mutual TLS between silos and gateways on Orleans' own TLS (Microsoft.Orleans.Connections.Security), from
/// "Cluster:Tls": every node presents <c>Certificate</c> (Path and KeyPath, PEM; for server and client
/// authentication, as it both accepts and opens connections) and accepts a peer only with a certificate of the
/// cluster CA (<c>CaPath</c>), valid now and for server authentication, so that a device certificate cannot join even
/// if one CA signed both. Peers are not checked by name: silos connect to each other by the addresses in the
/// membership table. The certificate's files are read through <see cref="ServerCertificateFiles"/>, so a rotated one
/// serves the next connection; open connections keep theirs.
/// </summary>
public sealed class ClusterTls
{
    public const string SectionName = "Cluster:Tls";

    private ClusterTls(ServerCertificateFiles certificate, CertificateAuthorityBundle authorities, TimeProvider clock)
    {
        Options = new TlsOptions
        {
            LocalCertificate = certificate.Current.TargetCertificate,
            LocalServerCertificateSelector = (_, _) => certificate.Current.TargetCertificate,
            LocalClientCertificateSelector = (_, _, _, _, _) => certificate.Current.TargetCertificate,
            RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
            ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
            RemoteCertificateValidation = (peer, _, _) =>
                authorities.Verify(peer, clock.GetUtcNow().UtcDateTime, CertificateAuthorityBundle.ServerAuthentication).Status == System.Security.Cryptography.X509Certificates.X509ChainStatusFlags.NoError,
        };
    }

    /// <summary>The options every Orleans connection of this node is secured with.</summary>
    public TlsOptions Options { get; }

    /// <summary>Whether the configuration turns cluster TLS on (a Cluster:Tls:Certificate:Path).</summary>
    public static bool IsEnabled(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[$"{SectionName}:Certificate:Path"]);

    /// <summary>Registers the node's cluster TLS (call only when <see cref="IsEnabled"/>); the host wires <see cref="Options"/> into its connections.</summary>
    public static void AddClusterTls(IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(sp => Create(configuration, sp.GetRequiredService<IHostEnvironment>().ContentRootPath,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<ServerCertificateFiles>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));

    private static ClusterTls Create(IConfiguration configuration, string contentRoot, ILogger logger, TimeProvider clock)
    {
        var section = configuration.GetSection(SectionName);
        var certificate = ServerCertificateFiles.FromSection(section.GetSection("Certificate"), contentRoot, logger)
            ?? throw new InvalidOperationException($"{SectionName}:Certificate:Path names no certificate.");
        var caPath = section["CaPath"];
        if (string.IsNullOrWhiteSpace(caPath))
        {
            throw new InvalidOperationException($"{SectionName}:Certificate is set, but no {SectionName}:CaPath names the cluster CA that peers' certificates must be of.");
        }
        return new ClusterTls(certificate, CertificateAuthorityBundle.Load(Path.GetFullPath(caPath, contentRoot), $"{SectionName}:CaPath"), clock);
    }
}
