namespace CommandGrid.Gateway.WebSockets.Subscriptions;

/// <summary>A bounded set of the most recent keys, to push each event once however many paths bring it (replay, feeds, renewals).</summary>
internal sealed class RecentKeys(int capacity)
{
    private readonly HashSet<string> _set = [];
    private readonly Queue<string> _order = new();

    /// <summary>False when the key was seen recently. Callers hold their own lock.</summary>
    public bool Add(string key)
    {
        if (!_set.Add(key))
        {
            return false;
        }
        _order.Enqueue(key);
        if (_order.Count > capacity)
        {
            _set.Remove(_order.Dequeue());
        }
        return true;
    }
}
