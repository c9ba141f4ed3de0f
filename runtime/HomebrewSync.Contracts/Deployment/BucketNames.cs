namespace HomebrewSync.Contracts.Deployment;

/// <summary>S3's rules for a bucket name (3-63 lower-case letters, digits, '.' and '-', a letter or digit at each end).</summary>
public static class BucketNames
{
    public static bool IsValid(string name) =>
        name.Length is >= 3 and <= 63 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);
}
