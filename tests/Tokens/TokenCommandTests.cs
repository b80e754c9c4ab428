using CommandGrid.Gateway.Auth;
using CommandGrid.Silo;
using CommandGrid.Tests.Cluster;
using CommandGrid.Tests.Infrastructure;
using CommandGrid.Tests.Mqtt.Infrastructure;
using Microsoft.Extensions.Options;
using Xunit;

namespace CommandGrid.Tests.Tokens;

/// <summary>The silo's `token` command: what it mints, and that it refuses a command line it does not understand.</summary>
public sealed class TokenCommandTests
{
    private static readonly string SecretSetting = $"--Auth:JwtSecret={GridServer.Secret}";

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = TokenCommand.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>The grid's own check of a token, with the secret the test grids sign with.</summary>
    private static TokenValidationResult Validate(string token, int type = TokenPayload.Access) =>
        new TokenService(Options.Create(new AuthOptions { JwtSecret = GridServer.Secret }), TimeProvider.System).Validate(token, type);

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--user")]
    [InlineData("--user", "--refresh")]
    [InlineData("--devices")]
    [InlineData("--user", "seven")]
    [InlineData("--minutes", "0")]
    [InlineData("--actions", "99")]
    [InlineData("--actions", ",")]
    [InlineData("--refresh=yes")]
    [InlineData("--user", "1", "--user", "2")]
    [InlineData("stray")]
    public void Token_BadCommandLineExitsTwoWithUsageAndNoToken(params string[] args)
    {
        var (exit, output, error) = Run([.. args, SecretSetting]);
        Assert.Equal(TokenCommand.UsageError, exit);
        Assert.Empty(output);
        Assert.StartsWith("token: ", error);
        Assert.Contains("usage: token", error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Token_HelpPrintsTheUsageThatListsItAndExitsZero(string flag)
    {
        var (exit, output, error) = Run(flag);
        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.StartsWith("usage: token", output);
        Assert.Contains("token --help", output);
        Assert.Contains("--help, -h", output);
    }

    [Fact]
    public void Token_UnknownOptionNamesIt()
    {
        var (_, _, error) = Run("--bogus", SecretSetting);
        Assert.StartsWith("token: unknown option --bogus", error);
    }

    [Fact]
    public void Token_OptionsShapeATokenTheGridAccepts()
    {
        var (exit, output, error) = Run("--user", "5", "--actions", "5,8", "--devices", "pump-1,pump-2", "--networks=3", "--minutes", "10", SecretSetting);
        Assert.Equal(0, exit);
        Assert.Empty(error);
        var result = Validate(output.Trim());
        Assert.True(result.IsValid, result.Error);
        var payload = result.Payload!;
        Assert.Equal(5, payload.UserId);
        Assert.Equal([5, 8], payload.Actions);
        Assert.Equal(["pump-1", "pump-2"], payload.DeviceIds!);
        Assert.Equal(["3"], payload.NetworkIds!);
        Assert.Equal(["*"], payload.DeviceTypeIds!);
        Assert.True(payload.Allows(DeviceHiveAction.GetDeviceCommand));
        Assert.False(payload.Allows(DeviceHiveAction.CreateDeviceCommand));
    }

    [Fact]
    public void Token_WithoutOptionsIsAnOperatorAccessToken()
    {
        var (exit, output, _) = Run(SecretSetting);
        Assert.Equal(0, exit);
        var payload = Validate(output.Trim()).Payload!;
        Assert.Equal(1, payload.UserId);
        Assert.Equal([0], payload.Actions);
        Assert.True(payload.AllowsAllDevices);
    }

    [Fact]
    public void Token_RefreshIsOnlyARefreshToken()
    {
        var (exit, output, _) = Run("--refresh", SecretSetting);
        Assert.Equal(0, exit);
        Assert.True(Validate(output.Trim(), TokenPayload.Refresh).IsValid);
        Assert.False(Validate(output.Trim()).IsValid);
    }

    [Fact]
    public async Task Token_TheSiloProgramRefusesAnUnknownOption()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [GridProcess.SiloDll, "token", "--bogus", SecretSetting],
            Path.GetDirectoryName(GridProcess.SiloDll), TimeSpan.FromSeconds(60));
        Assert.Equal(TokenCommand.UsageError, result.ExitCode);
        Assert.Empty(result.StdOut);
        Assert.Contains("unknown option --bogus", result.StdErr);
        Assert.Contains("usage: token", result.StdErr);
    }
}
