namespace HomebrewSync.TestSupport;

/// <summary>Where the repository is, from a test's or tool's output folder.</summary>
public static class RepositoryPaths
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HomebrewSync.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No HomebrewSync.sln above {AppContext.BaseDirectory}");
    }
}
