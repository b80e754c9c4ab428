namespace CommandGrid.Gateway.Auth;

/// <summary>DeviceHive's allowed-action ids as they appear in a token's "a" list.</summary>
public enum DeviceHiveAction
{
    Any = 0,
    GetNetwork = 1,
    GetDeviceType = 2,
    GetDevice = 3,
    GetDeviceNotification = 4,
    GetDeviceCommand = 5,
    RegisterDevice = 6,
    CreateDeviceCommand = 7,
    UpdateDeviceCommand = 8,
    CreateDeviceNotification = 9,
    GetCurrentUser = 10,
    UpdateCurrentUser = 11,
    ManageUser = 12,
    ManageConfiguration = 13,
    ManageNetwork = 14,
    ManageToken = 15,
    ManageDeviceType = 16,
    ManagePlugin = 17,
    SubscribePlugin = 18,
}
