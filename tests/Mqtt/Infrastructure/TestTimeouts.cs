namespace CommandGrid.Tests.Mqtt.Infrastructure;

public static class TestTimeouts
{
    /// <summary>Generous: the suite shares two cores with builds and node processes.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    public static string NewClientId(string prefix = "dev") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 40)];
}
