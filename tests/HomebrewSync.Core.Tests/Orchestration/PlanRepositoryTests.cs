using System.Text;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Core.Tests.Orchestration;

/// <summary>Plans are documents; what the repository needs besides is only how to name a key's place in messages.</summary>
public sealed class PlanRepositoryTests
{
    private const string Key = "plans/2025-07-21/20250721T030000Z-abcd1234.json";

    [Fact]
    public async Task LoadAsync_MissingOrBrokenPlan_NamesWhereItWasLooked()
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => $"s3://mirror/{k}");

        var missing = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes("{ broken"), "application/json", CancellationToken.None);
        var broken = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));

        Assert.Equal($"No plan at s3://mirror/{Key}", missing.Message);
        Assert.StartsWith($"s3://mirror/{Key} is not a plan: ", broken.Message, StringComparison.Ordinal);
    }
}
