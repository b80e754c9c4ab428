using CommandGrid.Runtime.Messaging;

namespace CommandGrid.Runtime.Hosting;

/// <summary>One turn's worth of work queued to an activation.</summary>
internal abstract record WorkItem;

internal sealed record RequestWork(GrainRequest Request, TaskCompletionSource<GrainResponse> Completion) : WorkItem;

internal sealed record TimerWork(Func<Task> Callback) : WorkItem;

/// <summary>Deactivate, unless the activation was used after <paramref name="IdleSince"/> (null: unconditionally).</summary>
internal sealed record DeactivateWork(DeactivationReason Reason, long? IdleSince) : WorkItem;
