namespace CommandGrid.Storage;

/// <summary>
/// Where one grain state lives (the generic table or an indexed one) and the statements
/// that read and conditionally change it. Every changing statement returns the row's
/// version (RETURNING) so that "no row came back" means "the condition did not hold".
/// </summary>
internal interface IStateTable
{
    /// <summary>Selects (version, payload).</summary>
    SqlStatement Select(StorageKey grainId, string stateName);

    SqlStatement SelectVersion(StorageKey grainId, string stateName);

    /// <summary>Inserts version 1 unless a row exists.</summary>
    SqlStatement Insert(StorageKey grainId, string stateName, string payload, long now);

    SqlStatement Update(StorageKey grainId, string stateName, string payload, long expectedVersion, long now);

    SqlStatement Delete(StorageKey grainId, string stateName, long expectedVersion);
}
