namespace CommandGrid.Gateway.Hosting;

/// <summary>Names silos and gateways must agree on to find each other.</summary>
public static class GridClusterDefaults
{
    public const string ClusterId = "commandgrid";

    /// <summary>Fixed: it names the data (storage, reminders) and outlives any one cluster deployment.</summary>
    public const string ServiceId = "commandgrid";

    /// <summary>The ADO.NET invariant of Orleans' clustering provider for PostgreSQL.</summary>
    public const string PostgresInvariant = "Npgsql";
}
