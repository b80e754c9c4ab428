using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CommandGrid.Gateway.OpsConsole;

/// <summary>
/// The console's HTML, CSS and JavaScript modules, embedded in the gateway assembly (see the
/// project file) so that a silo and a standalone gateway serve the same files with nothing to
/// deploy beside them. Read once; served with an ETag so browsers revalidate instead of refetching.
/// </summary>
internal sealed class ConsoleAssets
{
    private const string ResourcePrefix = "CommandGrid.Console.";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private readonly FrozenDictionary<string, Asset> _assets;

    private ConsoleAssets(FrozenDictionary<string, Asset> assets) => _assets = assets;

    public static ConsoleAssets Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var contentType))
            {
                throw new InvalidOperationException($"Console asset {name} has no known content type; add its extension to ConsoleAssets.");
            }
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var etag = "\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"";
            assets[name] = new Asset(bytes, contentType, etag);
        }
        return new ConsoleAssets(assets.ToFrozenDictionary());
    }

    public bool Contains(string name) => _assets.ContainsKey(name);

    public async Task ServeAsync(HttpContext http, string name)
    {
        if (!_assets.TryGetValue(name, out var asset))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            await http.Response.WriteAsync($"No console asset named {name}");
            return;
        }
        var headers = http.Response.Headers;
        headers.ETag = asset.ETag;
        // Revalidate every time: a new build of the grid must never leave an operator on stale scripts.
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(tag => tag.Trim() == asset.ETag)))
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        http.Response.ContentType = asset.ContentType;
        http.Response.ContentLength = asset.Bytes.Length;
        if (!HttpMethods.IsHead(http.Request.Method))
        {
            await http.Response.Body.WriteAsync(asset.Bytes, http.RequestAborted);
        }
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
