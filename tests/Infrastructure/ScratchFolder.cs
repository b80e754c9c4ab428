namespace CommandGrid.Tests.Infrastructure;

/// <summary>
/// A folder of one test's own in the temp directory (a SQLite file, process logs), removed on Dispose unless the
/// test kept it to be looked at, so that a passing run of the suite leaves nothing behind.
/// </summary>
public sealed class ScratchFolder : IDisposable
{
    private bool _kept;

    private ScratchFolder(string path) => Path = path;

    public string Path { get; }

    public static ScratchFolder Create() => new(Directory.CreateTempSubdirectory("commandgrid-tests-").FullName);

    /// <summary>The path of <paramref name="name"/> inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Leaves the folder in place (a failed test's logs); returns its path for the test output.</summary>
    public string Keep()
    {
        _kept = true;
        return Path;
    }

    public void Dispose()
    {
        if (_kept)
        {
            return;
        }
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
