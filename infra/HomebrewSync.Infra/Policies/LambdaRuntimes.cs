namespace HomebrewSync.Infra.Policies;

/// <summary>
/// When AWS deprecates each Lambda runtime (AWS Lambda's runtime deprecation table, as cfn-lint carried it in 2026): past that
/// date a runtime gets no patches, and soon after new functions on it cannot be created. A runtime missing here
/// is refused too, until someone adds it with its date.
/// </summary>
public static class LambdaRuntimes
{
    public static readonly IReadOnlyDictionary<string, DateOnly> Deprecated = new Dictionary<string, DateOnly>(StringComparer.Ordinal)
    {
        ["nodejs12.x"] = new(2023, 3, 31),
        ["nodejs14.x"] = new(2023, 12, 4),
        ["nodejs16.x"] = new(2024, 6, 12),
        ["nodejs18.x"] = new(2025, 9, 1),
        ["nodejs20.x"] = new(2026, 4, 30),
        ["nodejs22.x"] = new(2027, 4, 30),
        ["nodejs24.x"] = new(2028, 4, 30),
        ["python3.8"] = new(2024, 10, 14),
        ["python3.9"] = new(2025, 12, 15),
        ["python3.11"] = new(2027, 6, 30),
        ["dotnet6"] = new(2024, 12, 20),
        ["dotnet8"] = new(2026, 11, 10),
        ["dotnet10"] = new(2028, 11, 14),
    };

    /// <summary>The Node.js runtime CDK's own custom-resource providers are moved to (2.160 ships them on nodejs20.x).</summary>
    public const string SupportedNode = "nodejs24.x";

    /// <returns>Why the runtime may not be used on <paramref name="today"/>, or null when it may.</returns>
    public static string? Problem(string runtime, DateOnly today) =>
        !Deprecated.TryGetValue(runtime, out var date) ? $"runtime {runtime} is not in the table of Lambda runtimes (Policies/LambdaRuntimes.cs); add it with its deprecation date"
        : date <= today ? $"runtime {runtime} was deprecated on {date:yyyy-MM-dd}; AWS blocks creating functions on it soon after"
        : null;
}
