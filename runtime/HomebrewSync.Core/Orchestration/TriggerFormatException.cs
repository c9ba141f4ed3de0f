namespace HomebrewSync.Core.Orchestration;

/// <summary>A payload that is none of the accepted shapes; nothing was planned, written or sent.</summary>
public sealed class TriggerFormatException : Exception
{
    public TriggerFormatException(string message, Exception? inner = null) : base(message, inner) { }
}
