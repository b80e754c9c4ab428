using System.Text;

namespace CommandGrid.Storage;

/// <summary>
/// Turns an <see cref="IndexQuery"/> into one SELECT. The order is (column, grain_key)
/// with NULLs counted as the smallest value in both dialects, and the cursor is expanded
/// into plain comparisons instead of a row-value comparison so it means the same on both.
/// </summary>
internal static class IndexQuerySql
{
    public const int MaxLimit = 10_000;

    public static SqlStatement Build(IndexedStateTable table, IndexQuery query)
    {
        if (query.Limit is < 1 or > MaxLimit)
        {
            throw new ArgumentException($"The query limit must be between 1 and {MaxLimit}, not {query.Limit}.");
        }
        var parameters = new List<SqlParameterValue>();
        var where = Where(table, query.Filters, parameters);

        var orderColumn = table.ResolveColumn(query.OrderColumn);
        var order = query.OrderColumn;
        var byKeyOnly = orderColumn is null;
        if (query.After is { } after)
        {
            parameters.Add(SqlStatement.Text("@after_key", after.Key));
            var greater = query.Descending ? "<" : ">";
            if (byKeyOnly)
            {
                where.Add($"grain_key {greater} @after_key");
            }
            else if (after.OrderValue is null or DBNull)
            {
                where.Add(query.Descending
                    ? $"({order} IS NULL AND grain_key < @after_key)"
                    : $"({order} IS NOT NULL OR grain_key > @after_key)");
            }
            else
            {
                parameters.Add(Parameter("@after_value", after.OrderValue, orderColumn, order));
                var nulls = query.Descending ? $" OR {order} IS NULL" : "";
                where.Add($"({order} {greater} @after_value OR ({order} = @after_value AND grain_key {greater} @after_key){nulls})");
            }
        }

        var direction = query.Descending ? "DESC" : "ASC";
        var sql = new StringBuilder($"SELECT grain_key, version, payload, {order} FROM {table.Name}");
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }
        sql.Append(" ORDER BY ");
        if (!byKeyOnly)
        {
            sql.Append($"{order} {direction} NULLS {(query.Descending ? "LAST" : "FIRST")}, ");
        }
        sql.Append($"grain_key {direction} LIMIT @limit");
        parameters.Add(SqlStatement.Int64("@limit", query.Limit));
        return new SqlStatement(sql.ToString(), parameters);
    }

    /// <summary>One (value, count) row per value of the query's column among the rows its filters match.</summary>
    public static SqlStatement BuildCount(IndexedStateTable table, CountQuery query)
    {
        if (table.ResolveColumn(query.GroupColumn) is null)
        {
            throw new ArgumentException("Counts are grouped by a declared column, not by grain_key.");
        }
        var parameters = new List<SqlParameterValue>();
        var where = Where(table, query.Filters, parameters);
        where.Add($"{query.GroupColumn} IS NOT NULL");
        var sql = new StringBuilder($"SELECT {query.GroupColumn}, COUNT(*) FROM {table.Name} WHERE ")
            .AppendJoin(" AND ", where)
            .Append($" GROUP BY {query.GroupColumn}");
        return new SqlStatement(sql.ToString(), parameters);
    }

    private static List<string> Where(IndexedStateTable table, IReadOnlyList<ColumnFilter> filters, List<SqlParameterValue> parameters)
    {
        var where = new List<string>();
        foreach (var filter in filters)
        {
            var column = table.ResolveColumn(filter.Column);
            if (filter.Operator == FilterOperator.In)
            {
                where.Add(In(filter, column, parameters));
                continue;
            }
            if (filter.Operator == FilterOperator.NotNull)
            {
                where.Add($"{filter.Column} IS NOT NULL");
                continue;
            }
            var name = $"@f{parameters.Count}";
            parameters.Add(Parameter(name, filter.Value, column, filter.Column));
            var op = filter.Operator switch
            {
                FilterOperator.Equal => "=",
                FilterOperator.GreaterOrEqual => ">=",
                FilterOperator.Less => "<",
                _ => throw new ArgumentException($"Unknown filter operator {filter.Operator}."),
            };
            where.Add($"{filter.Column} {op} {name}");
        }
        return where;
    }

    // One parameter per value: both dialects plan a short IN list as index lookups, which an array parameter is not on SQLite.
    private static string In(ColumnFilter filter, IndexedColumn? column, List<SqlParameterValue> parameters)
    {
        if (filter.Value is not IReadOnlyList<object> values || values.Count is < 1 or > MaxLimit)
        {
            throw new ArgumentException($"An IN filter on '{filter.Column}' needs between 1 and {MaxLimit} values.");
        }
        var names = new List<string>(values.Count);
        foreach (var value in values)
        {
            var name = $"@f{parameters.Count}";
            parameters.Add(Parameter(name, value, column, filter.Column));
            names.Add(name);
        }
        return $"{filter.Column} IN ({string.Join(", ", names)})";
    }

    private static SqlParameterValue Parameter(string name, object? value, IndexedColumn? column, string columnName)
    {
        if (value is null or DBNull)
        {
            throw new ArgumentException($"A filter or cursor on '{columnName}' needs a value; NULL compares with nothing.");
        }
        return column is null
            ? SqlStatement.Text(name, PayloadColumns.ToColumnValue(value, IndexedColumnKind.Text, columnName).ToString())
            : new SqlParameterValue(name, PayloadColumns.ToColumnValue(value, column.Kind, columnName), IndexedStateTable.DbTypeOf(column.Kind));
    }
}
