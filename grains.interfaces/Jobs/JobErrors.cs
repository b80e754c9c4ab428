namespace CommandGrid.Grains.Interfaces;

[GenerateSerializer, Alias("cg.JobNotFoundException")]
public sealed class JobNotFoundException : Exception
{
    public JobNotFoundException(string message) : base(message)
    {
    }
}

/// <summary>A job id was used again with a different request, or the job is final and cannot change.</summary>
[GenerateSerializer, Alias("cg.JobConflictException")]
public sealed class JobConflictException : Exception
{
    public JobConflictException(string message) : base(message)
    {
    }
}
