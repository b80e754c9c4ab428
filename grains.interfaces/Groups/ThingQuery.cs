using System.Collections.Immutable;

namespace CommandGrid.Grains.Interfaces;

/// <summary>
/// What a dynamic thing group's members match: every condition given must hold. Attributes are the
/// thing's own (Fleets <c>attributes</c>, DeviceHive <c>data</c>): a top-level key whose value equals the given text.
/// </summary>
[GenerateSerializer, Immutable, Alias("cg.ThingQuery")]
public sealed record ThingQuery(long? NetworkId, long? DeviceTypeId, ImmutableDictionary<string, string>? Attributes);
