using System.Runtime.InteropServices;

namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// The process's limit on open file descriptors (RLIMIT_NOFILE), read and raised through libc: .NET has no API for
/// it. Every socket is a descriptor, and so are the store's files and the runtime's own mappings; a process that runs
/// out of them fails in places that cannot recover (the runtime aborts with "Out of memory." when it cannot map JIT
/// code), so the grid sizes its connection limits from this figure.
/// </summary>
public static partial class DescriptorLimit
{
    private const int RlimitNofile = 7;

    /// <summary>The soft and hard limits before and after <see cref="RaiseSoftToHard"/>; null where the platform has none (not Linux).</summary>
    public sealed record Limits(long SoftBefore, long Soft, long Hard);

    /// <summary>Raises the soft limit to the hard one, as servers commonly do at start (the hard limit is the operator's word).</summary>
    public static Limits? RaiseSoftToHard()
    {
        if (!OperatingSystem.IsLinux() || GetRlimit(RlimitNofile, out var current) != 0)
        {
            return null;
        }
        var before = current.Current;
        if (current.Current < current.Max)
        {
            var raised = current with { Current = current.Max };
            if (SetRlimit(RlimitNofile, in raised) == 0)
            {
                current = raised;
            }
        }
        return new Limits(Clamp(before), Clamp(current.Current), Clamp(current.Max));
    }

    // RLIM_INFINITY is all ones; an int's worth is more than any connection limit needs.
    private static long Clamp(ulong value) => (long)Math.Min(value, int.MaxValue);

    [StructLayout(LayoutKind.Sequential)]
    private record struct Rlimit(ulong Current, ulong Max);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRlimit(int resource, in Rlimit limit);
}
