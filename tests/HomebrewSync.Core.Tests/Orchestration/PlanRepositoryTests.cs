using System.Text;
using HomebrewSync.Core.Orchestration;

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

    [Fact]
    public async Task LoadAsync_PlanThatListsOneKeyTwice_IsRefusedNamingIt()
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => $"s3://mirror/{k}");
        PlannedBottle Bottle(char sha) => new()
        {
            Key = "curl-8.2.1-monterey",
            FormulaName = "curl",
            FormulaVersion = "8.2.1",
            Platform = "monterey",
            Sha256 = new string(sha, 64),
            Url = "https://ghcr.io/v2/homebrew/core/curl/blobs/sha256:" + new string(sha, 64),
            ObjectKey = "2025-07-21/curl-8.2.1.monterey.bottle.tar.gz",
        };
        var plan = new SyncPlan { SyncDate = "2025-07-21", CreatedAt = DateTimeOffset.UnixEpoch, ApiUrl = "https://formulae.brew.sh/api/formula.json", Platforms = ["monterey"], Bottles = [Bottle('a'), Bottle('b')] };
        await plans.SaveAsync(Key, plan, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));

        Assert.Equal($"s3://mirror/{Key} is not a plan this version executes: it lists curl-8.2.1-monterey twice", refused.Message);
    }

    [Fact]
    public async Task LoadAsync_PlanOfAnEarlierVersion_WithoutTheListsAddedSince_ReadsThemAsEmpty()
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        // A plan as the first version saved it: no retire, manifests, api_files or portable_ruby, no serves or replaces per bottle.
        const string earlier = """
            {"sync_date":"2025-07-21","created_at":"2025-07-21T03:00:00+00:00","api_url":"https://formulae.brew.sh/api/formula.json",
             "platforms":["monterey"],"bottles":[{"key":"curl-8.2.1-monterey","formula_name":"curl","formula_version":"8.2.1",
             "platform":"monterey","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
             "url":"https://ghcr.io/v2/homebrew/core/curl/blobs/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
             "object_key":"2025-07-21/curl-8.2.1.monterey.bottle.tar.gz"}]}
            """;
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes(earlier), "application/json", CancellationToken.None);
        await documents.PutDocumentAsync(PlanRepository.StateKey(Key), Encoding.UTF8.GetBytes("""{"invocations":1,"started_at":"2025-07-21T03:00:00+00:00"}"""), "application/json", CancellationToken.None);

        var plan = await plans.LoadAsync(Key, CancellationToken.None);
        var state = await plans.LoadStateAsync(Key, CancellationToken.None);

        Assert.Empty(plan.Retire);
        Assert.Empty(plan.ImageIndexes);
        Assert.Empty(plan.ApiFiles);
        Assert.Empty(plan.PortableRuby);
        var bottle = Assert.Single(plan.Bottles);
        Assert.Empty(bottle.Serves);
        Assert.Empty(bottle.Replaces);
        Assert.NotNull(state);
        Assert.Empty(state.Stored);
        Assert.Empty(state.Failed);
    }

    [Theory]
    [InlineData("\"bottles\":null")]
    [InlineData("\"manifests\":null,\"bottles\":[]")]
    [InlineData("\"bottles\":[{\"key\":\"curl-8.2.1-monterey\",\"formula_name\":\"curl\",\"formula_version\":\"8.2.1\",\"platform\":\"monterey\",\"sha256\":\"aa\",\"url\":null,\"object_key\":\"2025-07-21/curl-8.2.1.monterey.bottle.tar.gz\"}]")]
    public async Task LoadAsync_PlanWithANullWhereNoneIsAllowed_IsNotAPlan(string rest)
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        var json = $$"""{"sync_date":"2025-07-21","created_at":"2025-07-21T03:00:00+00:00","api_url":"https://formulae.brew.sh/api/formula.json","platforms":["monterey"],{{rest}}}""";
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes(json), "application/json", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));

        Assert.StartsWith($"{Key} is not a plan: ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"bottles\":[null]", "bottles[0]")]
    [InlineData("\"bottles\":[],\"retire\":[\"a\",null]", "retire[1]")]
    [InlineData("\"bottles\":[],\"manifests\":[{\"key\":\"manifests/curl/8.2.1.json\",\"image_url\":\"u\",\"reference\":\"8.2.1\",\"digests\":[null]}]", "manifests[0].digests[0]")]
    [InlineData("\"bottles\":[{\"key\":\"curl-8.2.1-monterey\",\"formula_name\":\"curl\",\"formula_version\":\"8.2.1\",\"platform\":\"monterey\",\"sha256\":\"aa\",\"url\":\"u\",\"object_key\":\"2025-07-21/curl-8.2.1.monterey.bottle.tar.gz\",\"serves\":[null]}]", "bottles[0].serves[0]")]
    public async Task LoadAsync_PlanWithANullInsideAList_IsNotAPlanAndSaysWhere(string rest, string where)
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        var json = $$"""{"sync_date":"2025-07-21","created_at":"2025-07-21T03:00:00+00:00","api_url":"https://formulae.brew.sh/api/formula.json","platforms":["monterey"],{{rest}}}""";
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes(json), "application/json", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));

        Assert.Equal($"{Key} is not a plan: {where} is null", ex.Message);
    }

    [Theory]
    [InlineData("""{"invocations":1,"started_at":"2025-07-21T03:00:00+00:00","stored":null}""")]
    [InlineData("""{"invocations":1,"started_at":"2025-07-21T03:00:00+00:00","stored":["curl-8.2.1-monterey",null]}""")]
    [InlineData("""{"invocations":1,"started_at":"2025-07-21T03:00:00+00:00","failed":[null]}""")]
    [InlineData("""{"invocations":1,"stored":["curl-8.2.1-monterey" """)]
    public async Task LoadStateAsync_StateThatIsNotReadable_SaysSoAndHowToGoOn(string state)
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        await documents.PutDocumentAsync(PlanRepository.StateKey(Key), Encoding.UTF8.GetBytes(state), "application/json", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadStateAsync(Key, CancellationToken.None));

        Assert.StartsWith($"{PlanRepository.StateKey(Key)} is not a plan state (", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("remove it to run the plan again from what the hash file holds", ex.Message, StringComparison.Ordinal);
    }
}
