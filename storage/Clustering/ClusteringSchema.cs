// The project that compiles this file must embed the script next to it under a fixed name:
//   <EmbeddedResource Include="Clustering/postgres-clustering.sql" LogicalName="CommandGrid.Storage.Clustering.postgres-clustering.sql" />
// (LogicalName matters: without it MSBuild derives the resource name from the root namespace and folder.)
using Npgsql;

namespace CommandGrid.Storage.Clustering;

/// <summary>
/// Creates or migrates the PostgreSQL tables, functions and <c>OrleansQuery</c> rows that Orleans'
/// ADO.NET clustering provider (invariant <c>"Npgsql"</c>) needs, for silos and clients alike.
/// Safe to call at every start from any number of processes at once.
/// </summary>
public static class ClusteringSchema
{
    /// <summary>Manifest resource name of the embedded script.</summary>
    public const string ResourceName = "CommandGrid.Storage.Clustering.postgres-clustering.sql";

    // An arbitrary constant every CommandGrid process agrees on; it only names the lock that
    // serialises concurrent schema runs (per database). Distinct from the storage schema's key so
    // the two scripts do not queue behind each other. ASCII "CGClust".
    private const long SchemaLockKey = 0x4347436c757374;

    // Generous: a second starter waits here while the first one runs the script.
    private const int CommandTimeoutSeconds = 120;

    /// <summary>
    /// Runs the clustering script in one transaction, holding <c>pg_advisory_xact_lock</c> so that
    /// processes starting together apply it one after the other (CREATE ... IF NOT EXISTS alone
    /// can still fail when two sessions race on a fresh database).
    /// </summary>
    public static async Task ApplyAsync(string connectionString, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var script = await LoadScriptAsync(ct).ConfigureAwait(false);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.CommandTimeout = CommandTimeoutSeconds;
            lockCommand.Parameters.AddWithValue("key", SchemaLockKey);
            await lockCommand.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        // The script has no parameters; Npgsql splits it into its statements and sends them as one batch.
        await using (var scriptCommand = new NpgsqlCommand(script, connection, transaction))
        {
            scriptCommand.CommandTimeout = CommandTimeoutSeconds;
            await scriptCommand.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    private static async Task<string> LoadScriptAsync(CancellationToken ct)
    {
        await using var stream = typeof(ClusteringSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException(
                $"Embedded resource '{ResourceName}' is missing; the project must embed Clustering/postgres-clustering.sql with that LogicalName.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
    }
}
