namespace CommandGrid.Storage;

/// <summary>
/// The <c>operation</c> tag of <c>commandgrid.storage.round_trips</c>: what the store waited on its database for. A
/// group-commit batch is one <see cref="Write"/> (or one per statement where the driver cannot batch) and one
/// <see cref="Commit"/>, however many writes it carries; that is what makes batching pay.
/// </summary>
internal static class RoundTrip
{
    public const string Read = "read";
    public const string Query = "query";
    public const string Count = "count";
    public const string Write = "write";
    public const string Commit = "commit";
    public const string Probe = "probe";
    public const string ReminderRead = "reminder_read";
    public const string Ping = "ping";
}
