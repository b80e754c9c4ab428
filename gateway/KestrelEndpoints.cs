using System.Net;
using CommandGrid.Mqtt.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace CommandGrid.Gateway;

/// <summary>
/// Binds Kestrel's HTTP endpoints from the usual "urls" setting and the MQTT listener from
/// "Mqtt". Kestrel ignores "urls" once any endpoint is bound in code, so both are bound here.
/// </summary>
public sealed class KestrelEndpoints
{
    private readonly List<ListenOptions> _http = [];
    private ListenOptions? _mqtt;

    /// <summary>The port MQTT listens on once the server started (the real one when configured as 0), or null when disabled.</summary>
    public int? MqttPort => (_mqtt?.EndPoint as IPEndPoint)?.Port;

    public IReadOnlyList<IPEndPoint> HttpEndPoints => [.. _http.Select(l => l.IPEndPoint!)];

    /// <summary>What this node listens on, each with its own scheme (Kestrel's own log calls every endpoint http://).</summary>
    public string Describe() =>
        string.Join(", ", HttpEndPoints.Select(e => $"http://{e}").Concat(_mqtt?.EndPoint is { } mqtt ? [$"mqtt://{mqtt}"] : []));

    /// <param name="urls">The "urls" setting (semicolon-separated http:// URLs); null or empty means http://localhost:5000.</param>
    public void Bind(KestrelServerOptions kestrel, string? urls, IConfiguration configuration)
    {
        urls = string.IsNullOrWhiteSpace(urls) ? "http://localhost:5000" : urls;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (address, port) = Parse(url);
            if (address is null)
            {
                kestrel.ListenLocalhost(port, _http.Add);
            }
            else
            {
                kestrel.Listen(address, port, _http.Add);
            }
        }
        if (configuration.GetValue("Mqtt:Enabled", true))
        {
            var address = IPAddress.Parse(configuration["Mqtt:Address"] ?? "0.0.0.0");
            kestrel.ListenMqtt(address, configuration.GetValue("Mqtt:Port", 1883), listen => _mqtt = listen);
        }
    }

    /// <returns>The address to bind, or null for "localhost" (both loopbacks).</returns>
    private static (IPAddress? Address, int Port) Parse(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0 || !url[..schemeEnd].Equals("http", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{url}': only http:// URLs are supported (put TLS in front of the gateway).");
        }
        var hostPort = url[(schemeEnd + 3)..].TrimEnd('/');
        var colon = hostPort.LastIndexOf(':');
        var host = colon > 0 && !hostPort.EndsWith(']') ? hostPort[..colon] : hostPort;
        var port = colon > 0 && !hostPort.EndsWith(']') ? int.Parse(hostPort[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 80;
        host = host.Trim('[', ']');
        return host switch
        {
            "localhost" => (null, port),
            "*" or "+" => (IPAddress.IPv6Any, port),
            _ => (IPAddress.Parse(host), port),
        };
    }
}
