using Constructs;

namespace HomebrewSync.Infra.Policies;

/// <summary>The only way past a policy: explicit, on one construct (and what it contains), with a reason that shows in the output.</summary>
public static class PolicySuppressions
{
    private const string MetadataType = "homebrew-sync:policy-suppression";

    public static void Suppress(IConstruct construct, string rule, string reason)
    {
        ArgumentNullException.ThrowIfNull(construct);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("A suppression needs a reason", nameof(reason));
        }
        construct.Node.AddMetadata(MetadataType, new Dictionary<string, object> { ["rule"] = rule, ["reason"] = reason });
    }

    /// <summary>The reason <paramref name="rule"/> is suppressed on <paramref name="node"/> or an ancestor; null when it is not.</summary>
    public static string? ReasonFor(IConstruct node, string rule)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (var scope in node.Node.Scopes.Reverse())
        {
            foreach (var entry in scope.Node.Metadata.Where(m => m.Type == MetadataType))
            {
                if (entry.Data is IDictionary<string, object> data && data.TryGetValue("rule", out var r) && (string)r == rule)
                {
                    return (string)data["reason"];
                }
            }
        }
        return null;
    }
}
