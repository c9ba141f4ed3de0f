namespace HomebrewSync.Core.Planning;

/// <summary>The request names something the catalog does not have (a tag, a formula). Nothing was written.</summary>
public sealed class PlanInputException : Exception
{
    public PlanInputException(string message) : base(message) { }
}
