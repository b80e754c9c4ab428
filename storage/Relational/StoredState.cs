namespace CommandGrid.Storage;

/// <summary>A grain state as it sits in the store: its JSON payload and the ETag of that version.</summary>
public sealed record StoredState(string Payload, string ETag);
