namespace CommandGrid.Gateway.Tls;

/// <summary>
/// A value read from files and read again when they change: each use compares the files' times and sizes with those
/// it was read from (a stat call per file, cheap enough at every handshake or login), so the next use after a change
/// sees the new value, with no timer to wait for and no watcher to miss a rename. A change that does not read (a key
/// written after its certificate, a half-copied file) keeps the last good value until the files change again.
/// </summary>
public sealed class ReloadingFiles<T> where T : class
{
    private readonly string[] _paths;
    private readonly Func<T> _read;
    private readonly Action<T> _reloaded;
    private readonly Action<Exception> _failed;
    private readonly Func<Exception, bool> _isReadFailure;
    private readonly Lock _reload = new();
    private volatile Loaded _current;
    private Stamp[] _tried;

    /// <param name="read">Reads the value; throws <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/>,
    /// or what <paramref name="isReadFailure"/> accepts, when the files do not hold one. The first read's failure is thrown.</param>
    public ReloadingFiles(IReadOnlyList<string> paths, Func<T> read, Func<Exception, bool> isReadFailure, Action<T> reloaded, Action<Exception> failed)
    {
        _paths = [.. paths];
        _read = read;
        _isReadFailure = ex => ex is IOException or UnauthorizedAccessException || isReadFailure(ex);
        _reloaded = reloaded;
        _failed = failed;
        _tried = Stamps();
        _current = new Loaded(read(), _tried);
    }

    /// <summary>The value now, read again first if its files changed.</summary>
    public T Current
    {
        get
        {
            var stamps = Stamps();
            if (!stamps.AsSpan().SequenceEqual(_current.Stamps))
            {
                TryReload(stamps);
            }
            return _current.Value;
        }
    }

    private void TryReload(Stamp[] stamps)
    {
        lock (_reload)
        {
            if (stamps.AsSpan().SequenceEqual(_current.Stamps) || stamps.AsSpan().SequenceEqual(_tried))
            {
                return;
            }
            _tried = stamps;
            try
            {
                var value = _read();
                _current = new Loaded(value, stamps);
                _reloaded(value);
            }
            catch (Exception ex) when (_isReadFailure(ex))
            {
                _failed(ex);
            }
        }
    }

    private Stamp[] Stamps() => [.. _paths.Select(Stamp.Of)];

    private sealed record Loaded(T Value, Stamp[] Stamps);

    private readonly record struct Stamp(DateTime WrittenAt, long Length)
    {
        public static Stamp Of(string path)
        {
            var file = new FileInfo(path);
            return file.Exists ? new Stamp(file.LastWriteTimeUtc, file.Length) : default;
        }
    }
}
