using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using CommandGrid.Gateway.Auth;
using CommandGrid.Gateway.Commands;
using CommandGrid.Gateway.Hosting;
using CommandGrid.Gateway.Tls;
using CommandGrid.Metrics;
using CommandGrid.Mqtt.Packets;
using CommandGrid.Mqtt.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommandGrid.Gateway.Mqtt.Fleets;

/// <summary>
/// Which thing a CONNECT logs in as. With a certificate of the device CA it is the certificate's CN, and the user
/// name and password are not looked at (AWS's device SDKs put their own metrics in the user name); the client may
/// still name a thing, by its user name when that is a thing name or else by its client id, and naming another
/// than the CN is refused. Without one (allowed unless Devices:ClientCertificates:Mode is Require) it is the thing
/// the client names, with a device token that covers it or the device secret as password.
/// </summary>
public sealed class MqttDeviceCredentials(
    TokenService tokens,
    DeviceCertificateValidator certificates,
    IOptions<FleetsMqttOptions> options,
    GridMetrics metrics,
    TimeProvider clock,
    ILogger<MqttDeviceCredentials> logger)
{
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<DeviceCertificateRefusal, WarningThrottle> _warnings = new();

    /// <summary>Accepted with the thing as identity, or refused with a reason for the CONNACK.</summary>
    public MqttAuthResult Identify(MqttConnectRequest request)
    {
        if (certificates.IsConfigured && request.ClientCertificate is { } certificate)
        {
            var check = certificates.Check(certificate);
            if (!check.IsValid)
            {
                return Refuse(request, check.Refusal!.Value, check.Reason!);
            }
            var claimed = CommandRules.IsValidDeviceId(request.UserName) ? request.UserName : request.ClientIdAssigned ? null : request.ClientId;
            if (claimed is not null && claimed != check.Thing)
            {
                return Refuse(request, DeviceCertificateRefusal.WrongThing,
                    $"The certificate is thing {check.Thing}'s, and the client logs in as {claimed} (user name, or else client id)");
            }
            return MqttAuthResult.Accept(check.Thing!);
        }
        if (certificates.Mode == DeviceCertificateMode.Require)
        {
            return Refuse(request, DeviceCertificateRefusal.Missing, "A device certificate of the device CA is required (MQTT over TLS)");
        }

        var thing = string.IsNullOrEmpty(request.UserName) ? request.ClientId : request.UserName;
        if (!CommandRules.IsValidDeviceId(thing))
        {
            return MqttAuthResult.Reject(MqttReasonCode.ClientIdentifierNotValid, "The user name (or client id) must be the thing name");
        }
        var password = request.Password is null ? null : Encoding.UTF8.GetString(request.Password);
        if (IsDeviceSecret(password))
        {
            return MqttAuthResult.Accept(thing);
        }
        var token = tokens.Validate(password);
        if (!token.IsValid)
        {
            return MqttAuthResult.Reject(MqttReasonCode.BadUserNameOrPassword, token.Error);
        }
        return token.Payload!.AllowsDevice(thing, null, null)
            ? MqttAuthResult.Accept(thing)
            : MqttAuthResult.Reject(MqttReasonCode.NotAuthorized, "The token does not cover this thing");
    }

    private MqttAuthResult Refuse(MqttConnectRequest request, DeviceCertificateRefusal refusal, string reason)
    {
        var tag = JsonNamingPolicy.SnakeCaseLower.ConvertName(refusal.ToString());
        metrics.DeviceCertificateRefused(tag);
        if (_warnings.GetOrAdd(refusal, _ => new WarningThrottle(clock, WarningInterval)).TryTake(out var held))
        {
            logger.LogWarning("MQTT login refused ({Refusal}): {Reason}; client {ClientId} from {RemoteEndPoint}{Held}",
                tag, reason, request.ClientId, request.RemoteEndPoint, held > 0 ? $" ({held} more refused for this since the last line)" : "");
        }
        return MqttAuthResult.Reject(MqttReasonCode.NotAuthorized, reason);
    }

    private bool IsDeviceSecret(string? password)
    {
        var secret = options.Value.DeviceSecret;
        return !string.IsNullOrEmpty(secret) && password is not null
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(secret));
    }
}
