namespace HomebrewSync.Core.Serving;

/// <summary>A token file's content and a stamp that changes when it does.</summary>
public sealed record TokenFileText(string Stamp, string Text)
{
    /// <summary>Never the tokens.</summary>
    public override string ToString() => $"TokenFileText({Stamp}, {Text.Length} characters)";
}
