using System.Net;
using CommandGrid.Mqtt.Transport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace CommandGrid.Gateway;

/// <summary>
/// The node's endpoints, on Kestrel's own endpoint configuration. HTTP: the "Kestrel:Endpoints"
/// section, or else "urls" (--urls, ASPNETCORE_URLS; then HTTP_PORTS), default http://localhost:5000.
/// MQTT: the endpoint named "Mqtt" in that section, or else Mqtt:Address and Mqtt:Port. Each
/// endpoint is kept, so the ports actually bound (port 0) can be read once the server started.
/// </summary>
public sealed class KestrelEndpoints
{
    /// <summary>The name of the Kestrel endpoint that speaks MQTT (its Url is http://address:port: Kestrel parses no other scheme).</summary>
    public const string MqttEndpointName = "Mqtt";

    private const string DefaultUrl = "http://localhost:5000";
    private const string NoUrls = ";";

    private readonly List<(ListenOptions Listen, string Scheme)> _http = [];
    private ListenOptions? _mqtt;

    /// <summary>The port MQTT listens on once the server started (the real one when configured as 0), or null when disabled.</summary>
    public int? MqttPort => (_mqtt?.EndPoint as IPEndPoint)?.Port;

    public IReadOnlyList<IPEndPoint> HttpEndPoints => [.. _http.Select(h => h.Listen.IPEndPoint!)];

    /// <summary>What this node listens on, each with its own scheme (Kestrel's own log calls the MQTT endpoint http:// too).</summary>
    public string Describe() =>
        string.Join(", ", _http.Select(h => $"{h.Scheme}://{h.Listen.IPEndPoint}").Concat(_mqtt?.EndPoint is { } mqtt ? [$"mqtt://{mqtt}"] : []));

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

    /// <summary>Loads "Kestrel" (endpoints, limits, certificates) and adds MQTT from "Mqtt" when the section has no Mqtt endpoint.</summary>
    public void Bind(KestrelServerOptions kestrel, IConfiguration configuration)
    {
        var section = configuration.GetSection("Kestrel");
        var mqttEnabled = configuration.GetValue("Mqtt:Enabled", true);
        var mqttEndpoint = section.GetSection("Endpoints").GetChildren().FirstOrDefault(e => IsMqtt(e.Key));
        if (mqttEndpoint is not null && !mqttEnabled)
        {
            throw new InvalidOperationException($"Kestrel:Endpoints:{mqttEndpoint.Key} is an MQTT endpoint, but Mqtt:Enabled is false: remove one of them.");
        }
        // Not reloaded on change: the ports a node listens on are fixed for its life (its log and its tests read them).
        var loader = kestrel.Configure(section, reloadOnChange: false);
        foreach (var endpoint in section.GetSection("Endpoints").GetChildren())
        {
            loader.Endpoint(endpoint.Key, IsMqtt(endpoint.Key)
                ? e => _mqtt = e.ListenOptions.UseMqtt()
                : e => _http.Add((e.ListenOptions, e.IsHttps ? "https" : "http")));
        }
        if (mqttEndpoint is null && mqttEnabled)
        {
            var address = IPAddress.Parse(configuration["Mqtt:Address"] ?? "0.0.0.0");
            kestrel.ListenMqtt(address, configuration.GetValue("Mqtt:Port", 1883), listen => _mqtt = listen);
        }
    }

    private static bool IsMqtt(string endpointName) => endpointName.Equals(MqttEndpointName, StringComparison.OrdinalIgnoreCase);

    private static string[] Split(string? list) => list?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
