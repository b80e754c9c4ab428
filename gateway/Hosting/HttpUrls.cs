namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// Takes "--urls" off the command line before the host sees it. Every endpoint (HTTP and MQTT) is
/// bound in code, and a "urls" setting left in the host's configuration only makes Kestrel warn
/// "Overriding address(es)" at every start.
/// </summary>
public static class HttpUrls
{
    /// <returns>The arguments without "--urls X" / "--urls=X", and the URLs given (null if none).</returns>
    public static (string[] HostArgs, string? Urls) Take(string[] args)
    {
        var rest = new List<string>(args.Length);
        string? urls = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--urls=", StringComparison.OrdinalIgnoreCase))
            {
                urls = arg["--urls=".Length..];
            }
            else if (arg.Equals("--urls", StringComparison.OrdinalIgnoreCase) && i + 1 < args.Length)
            {
                urls = args[++i];
            }
            else
            {
                rest.Add(arg);
            }
        }
        return ([.. rest], urls);
    }
}
