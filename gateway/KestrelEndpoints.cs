using System.Net;
using CommandGrid.Gateway.Tls;
using CommandGrid.Mqtt.Transport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway;

/// <summary>
/// The node's endpoints, on Kestrel's own endpoint configuration. HTTP: the "Kestrel:Endpoints"
/// section, or else "urls" (--urls, ASPNETCORE_URLS; then HTTP_PORTS), default http://localhost:5000.
/// MQTT: the endpoints whose names begin with "Mqtt" in that section (an https:// one with a Certificate is
/// MQTT over TLS), or else Mqtt:Address with Mqtt:Port (plain, unless Mqtt:Plain:Enabled is false) and
/// Mqtt:Tls:Port (TLS, when Mqtt:Tls:Certificate names a certificate). Each endpoint is kept, so the ports
/// actually bound (port 0) can be read once the server started.
/// </summary>
public sealed class KestrelEndpoints
{
    /// <summary>How the names of Kestrel endpoints that speak MQTT begin (their Url is http:// or, for TLS, https://: Kestrel parses no other scheme).</summary>
    public const string MqttEndpointName = "Mqtt";

    private const string DefaultUrl = "http://localhost:5000";
    private const string NoUrls = ";";

    private readonly List<(ListenOptions Listen, string Scheme)> _http = [];
    private ListenOptions? _mqtt;
    private ListenOptions? _mqttTls;

    /// <summary>The port plain MQTT listens on once the server started (the real one when configured as 0), or null when disabled.</summary>
    public int? MqttPort => (_mqtt?.EndPoint as IPEndPoint)?.Port;

    /// <summary>The port MQTT over TLS listens on once the server started, or null when it does not.</summary>
    public int? MqttTlsPort => (_mqttTls?.EndPoint as IPEndPoint)?.Port;

    public IReadOnlyList<IPEndPoint> HttpEndPoints => [.. _http.Select(h => h.Listen.IPEndPoint!)];

    /// <summary>The first HTTP endpoint of <paramref name="scheme"/> ("http" or "https"), once the server started.</summary>
    public IPEndPoint? HttpEndPointOf(string scheme) => _http.FirstOrDefault(h => h.Scheme == scheme).Listen?.IPEndPoint;

    /// <summary>What this node listens on, each with its own scheme (Kestrel's own log calls the MQTT endpoint http:// too).</summary>
    public string Describe() =>
        string.Join(", ", _http.Select(h => $"{h.Scheme}://{h.Listen.IPEndPoint}")
            .Concat(_mqtt?.EndPoint is { } mqtt ? [$"mqtt://{mqtt}"] : [])
            .Concat(_mqttTls?.EndPoint is { } mqtts ? [$"mqtts://{mqtts}"] : []));

    /// <summary>
    /// Kestrel binds "urls" only while no endpoint is set up in code or configuration, and the MQTT
    /// listener always is one: it would drop them with the warning "Overriding address(es)". So,
    /// unless "Kestrel:Endpoints" names HTTP endpoints of its own (which win over "urls", as in any
    /// ASP.NET Core app), the URLs become endpoints of that section, and "urls" is left with none.
    /// </summary>
    public static void AddUrlsAsEndpoints(ConfigurationManager configuration, IWebHostBuilder host)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren();
        if (endpoints.Any(e => !IsMqtt(e.Key)))
        {
            return;
        }
        string[] urls = Split(configuration[WebHostDefaults.ServerUrlsKey]) is { Length: > 0 } given ? given
            : [.. Split(configuration[WebHostDefaults.HttpPortsKey]).Select(port => $"http://*:{port}"),
               .. Split(configuration[WebHostDefaults.HttpsPortsKey]).Select(port => $"https://*:{port}")];
        configuration.AddInMemoryCollection((urls.Length > 0 ? urls : [DefaultUrl])
            .Select((url, i) => KeyValuePair.Create<string, string?>($"Kestrel:Endpoints:Url{i}:Url", url)));
        // A list of no URLs, not an empty string: the host reads "urls" from configuration and, only when
        // that is empty, from the settings it kept at startup, which still hold --urls.
        host.UseSetting(WebHostDefaults.ServerUrlsKey, NoUrls)
            .UseSetting(WebHostDefaults.HttpPortsKey, "")
            .UseSetting(WebHostDefaults.HttpsPortsKey, "");
    }

    /// <summary>Loads "Kestrel" (endpoints, limits, certificates) and adds MQTT from "Mqtt" where the section has no MQTT endpoint.</summary>
    public void Bind(KestrelServerOptions kestrel, IConfiguration configuration)
    {
        var section = configuration.GetSection("Kestrel");
        var mqttEnabled = configuration.GetValue("Mqtt:Enabled", true);
        var mqttEndpoints = section.GetSection("Endpoints").GetChildren().Where(e => IsMqtt(e.Key)).ToList();
        if (mqttEndpoints.Count > 0 && !mqttEnabled)
        {
            throw new InvalidOperationException($"Kestrel:Endpoints:{mqttEndpoints[0].Key} is an MQTT endpoint, but Mqtt:Enabled is false: remove one of them.");
        }
        var services = kestrel.ApplicationServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<ServerCertificateFiles>();
        var contentRoot = services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        var tls = services.GetRequiredService<IOptions<MqttTlsOptions>>().Value;
        var tlsListener = services.GetRequiredService<TlsListener>();
        var deviceCertificates = services.GetRequiredService<DeviceCertificateValidator>().IsConfigured ? ClientCertificateMode.AllowCertificate : ClientCertificateMode.NoCertificate;
        var handshakeTimeout = TimeSpan.FromSeconds(Math.Max(1, tls.HandshakeTimeoutSeconds));
        // Not reloaded on change: the ports a node listens on are fixed for its life (its log and its tests read them).
        // Certificates are reloaded all the same: see ServerCertificateFiles.
        var loader = kestrel.Configure(section, reloadOnChange: false);
        foreach (var endpoint in section.GetSection("Endpoints").GetChildren())
        {
            loader.Endpoint(endpoint.Key, !IsMqtt(endpoint.Key)
                ? e =>
                {
                    // A certificate from files is served through ServerCertificateFiles, so that it rotates; any other
                    // (Kestrel:Certificates:Default, a store) is left to Kestrel.
                    if (e.IsHttps && ServerCertificateFiles.FromSection(e.ConfigSection.GetSection("Certificate"), contentRoot, logger) is { } files)
                    {
                        tlsListener.Use(e.ListenOptions, files, e.HttpsOptions.ClientCertificateMode, e.HttpsOptions.HandshakeTimeout, TlsListener.AlpnFor(e.ListenOptions.Protocols));
                    }
                    _http.Add((e.ListenOptions, e.IsHttps ? "https" : "http"));
                }
                : e =>
                {
                    if (!e.IsHttps)
                    {
                        _mqtt = e.ListenOptions.UseMqtt();
                        return;
                    }
                    // TLS before MQTT: the loader would add its own TLS after this, behind MQTT's terminal handler.
                    var certificate = ServerCertificateFiles.FromSection(e.ConfigSection.GetSection("Certificate"), contentRoot, logger)
                        ?? throw new InvalidOperationException($"Kestrel:Endpoints:{e.ConfigSection.Key} is MQTT over TLS: it needs a Certificate section with Path (and KeyPath for PEM).");
                    _mqttTls = tlsListener.Use(e.ListenOptions, certificate, deviceCertificates, handshakeTimeout).UseMqtt();
                });
        }
        if (!mqttEnabled)
        {
            return;
        }
        var address = IPAddress.Parse(configuration["Mqtt:Address"] ?? "0.0.0.0");
        if (!mqttEndpoints.Any(e => !IsHttps(e)) && configuration.GetValue("Mqtt:Plain:Enabled", true))
        {
            kestrel.ListenMqtt(address, configuration.GetValue("Mqtt:Port", 1883), listen => _mqtt = listen);
        }
        if (!mqttEndpoints.Any(IsHttps) && tls.Port != 0)
        {
            var certificate = ServerCertificateFiles.FromSection(configuration.GetSection($"{MqttTlsOptions.SectionName}:Certificate"), contentRoot, logger);
            if (certificate is null)
            {
                if (configuration[$"{MqttTlsOptions.SectionName}:Port"] is not null)
                {
                    throw new InvalidOperationException($"{MqttTlsOptions.SectionName}:Port is set, but no {MqttTlsOptions.SectionName}:Certificate:Path names the server certificate.");
                }
                return;
            }
            kestrel.Listen(address, tls.Port, listen => _mqttTls = tlsListener.Use(listen, certificate, deviceCertificates, handshakeTimeout).UseMqtt());
        }
    }

    private static bool IsHttps(IConfigurationSection endpoint) => endpoint["Url"]?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true;

    private static bool IsMqtt(string endpointName) => endpointName.StartsWith(MqttEndpointName, StringComparison.OrdinalIgnoreCase);

    private static string[] Split(string? list) => list?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
