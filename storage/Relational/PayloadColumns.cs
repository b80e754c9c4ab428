using System.Globalization;
using System.Text.Json;

namespace CommandGrid.Storage;

/// <summary>
/// Reads the indexed columns' values out of a state's JSON payload, so the columns are
/// always derived from the very text being stored and can never disagree with it.
/// </summary>
internal static class PayloadColumns
{
    public static object?[] Extract(string payload, IReadOnlyList<IndexedColumn> columns, string tableName)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The payload stored in indexed table '{tableName}' must be a JSON object: {e.Message}", nameof(payload), e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"The payload stored in indexed table '{tableName}' must be a JSON object, not {document.RootElement.ValueKind}.", nameof(payload));
            }
            var values = new object?[columns.Count];
            for (var i = 0; i < columns.Count; i++)
            {
                values[i] = Find(document.RootElement, columns[i].JsonProperty) is { } element
                    ? Convert(element, columns[i].Kind)
                    : null;
            }
            return values;
        }
    }

    private static JsonElement? Find(JsonElement root, string property)
    {
        if (root.TryGetProperty(property, out var exact))
        {
            return exact;
        }
        // The serializer's naming policy (camelCase or not) is the grain's choice, not the table spec's.
        foreach (var candidate in root.EnumerateObject())
        {
            if (string.Equals(candidate.Name, property, StringComparison.OrdinalIgnoreCase))
            {
                return candidate.Value;
            }
        }
        return null;
    }

    private static object? Convert(JsonElement element, IndexedColumnKind kind) => kind switch
    {
        IndexedColumnKind.Integer => ToInteger(element),
        _ => ToText(element),
    };

    private static object? ToInteger(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number when element.TryGetInt64(out var number):
                return number;
            case JsonValueKind.Number when element.TryGetDouble(out var real) && Math.Abs(real) < 9.2e18:
                return (long)Math.Floor(real);
            case JsonValueKind.String:
                var text = element.GetString()!;
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }
                // System.Text.Json writes DateTimeOffset as ISO 8601 text; as unix milliseconds it sorts and compares as a number.
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
                {
                    return time.ToUnixTimeMilliseconds();
                }
                return null;
            case JsonValueKind.True:
                return 1L;
            case JsonValueKind.False:
                return 0L;
            default:
                return null;
        }
    }

    private static object? ToText(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => element.GetRawText(),
    };

    /// <summary>Converts a filter or cursor value given by a caller to the column's SQL type.</summary>
    public static object ToColumnValue(object value, IndexedColumnKind kind, string column) => kind switch
    {
        IndexedColumnKind.Integer => value switch
        {
            DateTimeOffset time => time.ToUnixTimeMilliseconds(),
            DateTime time => new DateTimeOffset(time).ToUnixTimeMilliseconds(),
            JsonElement json when ToInteger(json) is long number => number,
            IConvertible convertible => System.Convert.ToInt64(convertible, CultureInfo.InvariantCulture),
            _ => throw new ArgumentException($"Column '{column}' holds integers; {value.GetType().Name} '{value}' is not one."),
        },
        _ => value switch
        {
            JsonElement json => ToText(json) ?? throw new ArgumentException($"Column '{column}': a JSON null is not a value to compare with."),
            _ => System.Convert.ToString(value, CultureInfo.InvariantCulture)!,
        },
    };
}
