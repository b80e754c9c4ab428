using System.Text.RegularExpressions;

namespace CommandGrid.Storage;

/// <summary>
/// Table and column names are the only text ever spliced into SQL, so they are held to
/// plain identifiers; everything else travels as parameters.
/// </summary>
internal static partial class SqlIdentifier
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Plain();

    // Past 63 bytes PostgreSQL silently truncates names, so two long names could collide.
    private const int MaxLength = 48;

    public static string Require(string? name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !Plain().IsMatch(name))
        {
            throw new ArgumentException($"The {what} '{name}' is not a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*, at most {MaxLength} characters).");
        }
        return name;
    }
}
