using System.Globalization;

namespace Loadgen;

/// <summary>"--key value" arguments; the coordinator hands the same ones to its workers.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, string> Values => _values;

    public static Options Parse(IEnumerable<string> args)
    {
        var o = new Options();
        string? key = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (key is not null) o._values[key] = "true";
                key = a[2..];
                var eq = key.IndexOf('=');
                if (eq > 0) { o._values[key[..eq]] = key[(eq + 1)..]; key = null; }
            }
            else if (key is not null) { o._values[key] = a; key = null; }
            else throw new ArgumentException($"unexpected argument {a}");
        }
        if (key is not null) o._values[key] = "true";
        return o;
    }

    public string Str(string key, string? fallback = null) =>
        _values.TryGetValue(key, out var v) ? v : fallback ?? throw new ArgumentException($"--{key} is required");

    public int Int(string key, int? fallback = null) =>
        _values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback ?? throw new ArgumentException($"--{key} is required");

    public double Dbl(string key, double? fallback = null) =>
        _values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback ?? throw new ArgumentException($"--{key} is required");

    public bool Has(string key) => _values.ContainsKey(key);

    public Options With(string key, string value)
    {
        var o = new Options();
        foreach (var (k, v) in _values) o._values[k] = v;
        o._values[key] = value;
        return o;
    }

    public IEnumerable<string> ToArgs() => _values.SelectMany(kv => new[] { "--" + kv.Key, kv.Value });

    /// <summary>Worker k's share of a total split over n workers (the first ones get the remainder).</summary>
    public static int Share(int total, int k, int n) => total / n + (k < total % n ? 1 : 0);

    /// <summary>First index of worker k's share.</summary>
    public static int ShareStart(int total, int k, int n) => Enumerable.Range(0, k).Sum(i => Share(total, i, n));
}
