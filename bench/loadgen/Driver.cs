using System.Diagnostics;

namespace Loadgen;

/// <summary>
/// One worker's load: devices [start, start+count) of the run, a closed loop of <c>window</c> commands in flight
/// (slot s sends its j-th command to device (s + j*window) mod count), or an open loop at <c>rate</c> per second
/// whose latencies are taken from each command's intended send time (no coordinated omission).
/// </summary>
public abstract class Driver
{
    protected readonly Options O;
    protected readonly int DeviceCount;
    protected readonly int DeviceStart;
    private readonly int _window;
    private readonly double _rate;
    private readonly long[] _slotNext;
    public readonly Latency Latency = new();
    /// <summary>Open loop: how late the generator itself issued each send after its intended time.</summary>
    public readonly Latency SendLag = new();
    private volatile bool _measuring;
    protected volatile bool Stopped;
    private long _completed;
    private long _errors;
    private long _inflight;
    private long _skipped;
    private long _offered;
    private int _openNext;

    protected Driver(Options o)
    {
        O = o;
        var k = o.Int("worker-index");
        var n = o.Int("workers");
        var devices = o.Int("devices");
        DeviceCount = Options.Share(devices, k, n);
        DeviceStart = Options.ShareStart(devices, k, n);
        _window = o.Has("rate") ? 0 : Options.Share(o.Int("window"), k, n);
        _rate = o.Has("rate") ? o.Dbl("rate") / n : 0;
        _slotNext = new long[_window];
    }

    public string Thing(int local) => $"{O.Str("prefix")}-{DeviceStart + local}";

    public abstract Task SetupAsync();

    /// <summary>Sends one command to local device <paramref name="device"/>; ends with <see cref="Completed"/> or <see cref="Failed"/>.</summary>
    protected abstract void Send(int device, int slot, long start);

    public abstract Task DisposeAsync();

    public void Start()
    {
        if (DeviceCount == 0) return;
        if (_rate > 0)
        {
            _ = Task.Run(OpenLoopAsync);
            return;
        }
        for (var s = 0; s < _window; s++) Next(s);
    }

    private void Next(int slot)
    {
        if (Stopped) return;
        var j = _slotNext[slot]++;
        var device = (int)((slot + j * _window) % DeviceCount);
        Interlocked.Increment(ref _inflight);
        Send(device, slot, Stopwatch.GetTimestamp());
    }

    private async Task OpenLoopAsync()
    {
        var t0 = Stopwatch.GetTimestamp();
        long sent = 0;
        var ticksPerSend = Stopwatch.Frequency / _rate;
        var cap = O.Int("max-inflight", 20000);
        while (!Stopped)
        {
            var due = (long)((Stopwatch.GetTimestamp() - t0) / ticksPerSend);
            for (; sent < due && !Stopped; sent++)
            {
                var intended = t0 + (long)(sent * ticksPerSend);
                if (_measuring) Interlocked.Increment(ref _offered);
                if (Interlocked.Read(ref _inflight) >= cap)
                {
                    if (_measuring) Interlocked.Increment(ref _skipped);
                    continue;
                }
                Interlocked.Increment(ref _inflight);
                if (_measuring) SendLag.Record((Stopwatch.GetTimestamp() - intended) * 1_000_000 / Stopwatch.Frequency);
                Send(_openNext++ % DeviceCount, -1, intended);
            }
            await Task.Delay(1);
        }
    }

    protected void Completed(int slot, long start)
    {
        Interlocked.Decrement(ref _inflight);
        if (_measuring)
        {
            Latency.Record((Stopwatch.GetTimestamp() - start) * 1_000_000 / Stopwatch.Frequency);
            Interlocked.Increment(ref _completed);
        }
        if (slot >= 0) Next(slot);
    }

    protected void Failed(int slot, string why)
    {
        Interlocked.Decrement(ref _inflight);
        if (Interlocked.Increment(ref _errors) <= 5) Console.Error.WriteLine($"worker {O.Str("worker-index")}: {why}");
        if (slot >= 0 && !Stopped) _ = Task.Delay(100).ContinueWith(_ => Next(slot), TaskScheduler.Default);
    }

    public void BeginMeasure()
    {
        Latency.Reset();
        SendLag.Reset();
        Interlocked.Exchange(ref _completed, 0);
        Interlocked.Exchange(ref _errors, 0);
        _measuring = true;
    }

    public WorkerResult EndMeasure(double cpuSeconds)
    {
        _measuring = false;
        return new WorkerResult
        {
            Pairs = Interlocked.Read(ref _completed),
            Errors = Interlocked.Read(ref _errors),
            Offered = Interlocked.Read(ref _offered),
            Skipped = Interlocked.Read(ref _skipped),
            CpuSeconds = cpuSeconds,
            Histogram = Latency.Export(),
            SendLag = SendLag.Export(),
        };
    }

    public void Stop() => Stopped = true;
}

public sealed class WorkerResult
{
    public long Pairs { get; set; }
    public long Errors { get; set; }
    public long Offered { get; set; }
    public long Skipped { get; set; }
    public double CpuSeconds { get; set; }
    public long[][] Histogram { get; set; } = [];
    public long[][] SendLag { get; set; } = [];
}
