using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Core.Tests.Orchestration;

/// <summary>The "failed" notice's text from a Step Functions Cause: whatever the Cause holds, there is a text and the notice goes out.</summary>
public sealed class FailureNamesTests
{
    [Theory]
    [InlineData("""{"errorMessage":"the store is not writable","errorType":"StoreAccessException"}""", "the store is not writable")]
    [InlineData("""{"Containers":[{"ExitCode":3}],"StoppedReason":"Essential container in task exited"}""", "The ECS task stopped with exit code 3: Essential container in task exited. See its log group for the run's output.")]
    [InlineData("""{"Containers":[{"Name":"homebrew-sync"}]}""", "The ECS task stopped with exit code none. See its log group for the run's output.")]
    [InlineData("""{"Containers":[null]}""", "The ECS task stopped with exit code none. See its log group for the run's output.")]
    [InlineData("""{"Containers":[{"ExitCode":1.5}]}""", "The ECS task stopped with exit code none. See its log group for the run's output.")]
    [InlineData("""{"Containers":[{"ExitCode":99999999999}]}""", "The ECS task stopped with exit code none. See its log group for the run's output.")]
    [InlineData("worker timed out", "worker timed out")]
    public void CauseText_AnyCause_GivesAText(string cause, string expected)
    {
        Assert.Equal(expected, FailureNames.CauseText(cause));
    }
}
