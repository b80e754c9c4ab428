using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.Hosting;

/// <summary>
/// A start that fails on its configuration (a certificate that does not load, a setting that contradicts another, a
/// port already taken) ends with the reason in one line and exit code 2, not with an unhandled exception's stack.
/// </summary>
public static class StartupError
{
    public static bool IsConfiguration(Exception exception) =>
        exception is InvalidOperationException or OptionsValidationException or IOException;

    public static int Report(string process, Exception exception)
    {
        Console.Error.WriteLine($"CommandGrid {process} did not start: {exception.Message}");
        return 2;
    }
}
