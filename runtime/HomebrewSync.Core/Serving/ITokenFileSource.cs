namespace HomebrewSync.Core.Serving;

/// <summary>Where the token file comes from: a file beside <c>serve</c>, a Secrets Manager secret behind the function URL.</summary>
public interface ITokenFileSource
{
    /// <summary>What the operator knows it as (a path, a secret's name), for warnings.</summary>
    string Description { get; }

    /// <summary>The text, or null when its stamp (size and time, a hash) is still <paramref name="stamp"/>, so an unchanged file costs only a stat.</summary>
    /// <exception cref="TokenFileUnavailableException">It cannot be read; the message never holds its content.</exception>
    Task<TokenFileText?> ReadIfChangedAsync(string? stamp, CancellationToken cancellationToken);
}
