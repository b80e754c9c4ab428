namespace CommandGrid.Grains;

public static class ActiveSilos
{
    /// <summary>The active silos of a membership snapshot, in a canonical text form: two snapshots differ in their live silos exactly when these differ.</summary>
    public static string Of(ClusterMembershipSnapshot snapshot) => string.Join(',', snapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active)
        .Select(m => m.SiloAddress.ToString())
        .Order(StringComparer.Ordinal));
}
