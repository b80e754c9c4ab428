using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace CommandGrid.Gateway.Mqtt.Fleets;

/// <summary>
/// The client ids each thing is logged in with, so that a reply reaches whichever of its sessions subscribed to it. A
/// thing almost always has one session: an immutable array per thing costs it a few dozen bytes where a concurrent set
/// cost about 700 on every idle connection. A thing whose last session ended leaves no entry behind.
/// </summary>
internal sealed class ThingSessions
{
    private readonly ConcurrentDictionary<string, ImmutableArray<string>> _byThing = new(StringComparer.Ordinal);

    public void Add(string thing, string clientId) =>
        _byThing.AddOrUpdate(thing, static (_, id) => [id], static (_, ids, id) => ids.Contains(id) ? ids : ids.Add(id), clientId);

    public void Remove(string thing, string clientId)
    {
        // Compare-and-swap on the array seen (its identity): a session added meanwhile is never lost.
        while (_byThing.TryGetValue(thing, out var ids) && ids.Contains(clientId))
        {
            var rest = ids.Remove(clientId);
            if (rest.IsEmpty ? _byThing.TryRemove(KeyValuePair.Create(thing, ids)) : _byThing.TryUpdate(thing, rest, ids))
            {
                return;
            }
        }
    }

    /// <summary>The thing's sessions; <paramref name="asking"/> alone when none is recorded.</summary>
    public ImmutableArray<string> Of(string thing, string asking) =>
        _byThing.TryGetValue(thing, out var ids) && !ids.IsEmpty ? ids : [asking];
}
