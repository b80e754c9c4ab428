namespace CommandGrid.Gateway.Tls;

/// <summary>What a device certificate says: the thing it names (its subject CN), or why it is refused.</summary>
public sealed record DeviceCertificateCheck
{
    private DeviceCertificateCheck(string? thing, DeviceCertificateRefusal? refusal, string? reason)
    {
        Thing = thing;
        Refusal = refusal;
        Reason = reason;
    }

    public string? Thing { get; }

    public DeviceCertificateRefusal? Refusal { get; }

    /// <summary>Why it is refused, in words for the device's CONNACK and the log.</summary>
    public string? Reason { get; }

    public bool IsValid => Refusal is null;

    public static DeviceCertificateCheck Valid(string thing) => new(thing, null, null);

    public static DeviceCertificateCheck Refused(DeviceCertificateRefusal refusal, string reason) => new(null, refusal, reason);
}

/// <summary>Why a device certificate is refused; its name in snake case is the reason tag on the refusal counter.</summary>
public enum DeviceCertificateRefusal
{
    /// <summary>A device CA is configured with Mode=Require and the client presented no certificate.</summary>
    Missing,

    /// <summary>Not yet valid, or expired.</summary>
    Expired,

    /// <summary>Not issued by the device CA (or its chain does not verify).</summary>
    Untrusted,

    Revoked,

    /// <summary>Not for client authentication, or its subject has no CN that is a thing name.</summary>
    Unusable,

    /// <summary>Its CN names another thing than the client claims (its user name or client id).</summary>
    WrongThing,
}
