namespace CommandGrid.Storage;

/// <summary>Finds the table a grain state lives in: its indexed table if one is configured, else the generic one.</summary>
internal sealed class IndexedTableCatalog
{
    private static readonly HashSet<string> ReservedTables = new(StringComparer.OrdinalIgnoreCase) { "grain_state", "sequences", "reminders" };
    private static readonly HashSet<string> ReservedColumns = new(StringComparer.OrdinalIgnoreCase) { "grain_key", "version", "payload", "updated_at" };

    private readonly Dictionary<(string GrainType, string StateName), IndexedStateTable> _byState = new();
    private readonly Dictionary<string, IndexedStateTable> _byName = new(StringComparer.Ordinal);

    public IndexedTableCatalog(IEnumerable<IndexedTableSpec> specs)
    {
        var list = specs.ToList();
        Validate(list);
        foreach (var spec in list)
        {
            var table = new IndexedStateTable(spec);
            _byState[(spec.GrainType, spec.StateName)] = table;
            _byName[spec.TableName] = table;
        }
    }

    public IReadOnlyCollection<IndexedStateTable> Tables => _byName.Values;

    public IStateTable For(StorageKey grainId, string stateName) =>
        _byState.TryGetValue((grainId.Type, stateName), out var table) ? table : GenericStateTable.Instance;

    public IndexedStateTable Named(string tableName) =>
        _byName.TryGetValue(tableName, out var table)
            ? table
            : throw new ArgumentException($"No indexed table '{tableName}' is configured; configured: {string.Join(", ", _byName.Keys)}.");

    public static void Validate(IEnumerable<IndexedTableSpec> specs)
    {
        var states = new HashSet<(string, string)>();
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var spec in specs)
        {
            ArgumentNullException.ThrowIfNull(spec);
            if (string.IsNullOrEmpty(spec.GrainType) || string.IsNullOrEmpty(spec.StateName))
            {
                throw new ArgumentException($"Indexed table '{spec.TableName}' needs a grain type and a state name.");
            }
            SqlIdentifier.Require(spec.TableName, "indexed table name");
            if (ReservedTables.Contains(spec.TableName) || !tables.Add(spec.TableName))
            {
                throw new ArgumentException($"The indexed table name '{spec.TableName}' is reserved or used twice (SQL names ignore case).");
            }
            if (!states.Add((spec.GrainType, spec.StateName)))
            {
                throw new ArgumentException($"State '{spec.StateName}' of grain type '{spec.GrainType}' is given two indexed tables.");
            }
            var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var column in spec.Columns ?? [])
            {
                SqlIdentifier.Require(column.Name, $"column name of table '{spec.TableName}'");
                if (ReservedColumns.Contains(column.Name) || !columns.Add(column.Name))
                {
                    throw new ArgumentException($"Column '{column.Name}' of table '{spec.TableName}' is reserved or declared twice.");
                }
                if (string.IsNullOrEmpty(column.JsonProperty))
                {
                    throw new ArgumentException($"Column '{column.Name}' of table '{spec.TableName}' needs the JSON property it is filled from.");
                }
                if (!Enum.IsDefined(column.Kind))
                {
                    throw new ArgumentException($"Column '{column.Name}' of table '{spec.TableName}' has an unknown kind {column.Kind}.");
                }
            }
            foreach (var index in spec.CompositeIndexes ?? [])
            {
                if (index is null || index.Count < 2 || index.Any(c => !columns.Contains(c)) || index.Distinct(StringComparer.OrdinalIgnoreCase).Count() != index.Count)
                {
                    throw new ArgumentException($"A composite index of table '{spec.TableName}' must name two or more of its declared columns, each once; " +
                        $"got ({string.Join(", ", index ?? [])}).");
                }
            }
        }
    }
}
