namespace HomebrewSync.Core.Orchestration;

/// <summary>The plan is missing or unreadable: nothing can be executed.</summary>
public sealed class PlanNotFoundException : Exception
{
    public PlanNotFoundException(string message, Exception? inner = null) : base(message, inner) { }
}
