using System.Globalization;
using System.Text;

namespace CommandGrid.Storage;

/// <summary>An opaque cursor: the last row's sort value and key, so the next page starts strictly after it.</summary>
internal static class PageCursor
{
    public static string Encode(IndexCursor after) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Convert.ToString(after.OrderValue, CultureInfo.InvariantCulture)}|{after.Key}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <exception cref="ArgumentException">The cursor was not made by <see cref="Encode"/>.</exception>
    public static IndexCursor? Decode(string? cursor, bool integerOrder)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var bar = text.IndexOf('|');
            var value = text[..bar];
            return new IndexCursor(integerOrder ? long.Parse(value, CultureInfo.InvariantCulture) : value, text[(bar + 1)..]);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new ArgumentException($"'{cursor}' is not a valid cursor.");
        }
    }
}
