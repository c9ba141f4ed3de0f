namespace HomebrewSync.Cli.Tests;

/// <summary>What the serve tests share: a mirror synced from the fake catalog into a folder or a moto bucket, and its cleanup.</summary>
internal static class ServedMirror
{
    /// <summary>Syncs the harness's catalog for <paramref name="targets"/> (dated 2025-07-21) into a folder ("local") or a fresh bucket ("s3"); the environment serve then runs with.</summary>
    public static async Task<Dictionary<string, string?>> SyncAsync(CliHarness h, S3ServerFixture fixture, string kind, string targets, string temp,
        params (string Name, string Value)[] settings)
    {
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = targets;
        env["TEMP_DIR"] = temp;
        foreach (var (name, value) in settings)
        {
            env[name] = value;
        }
        if (kind == "s3")
        {
            fixture.Server.UseAsStore(env, $"s3://{await fixture.Server.CreateBucketAsync()}/mirror");
        }
        var sync = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21");
        Assert.True(sync.ExitCode == 0, sync.Error);
        return env;
    }

    public static async Task DisposeAsync(CliHarness h, BrewClient client, string temp)
    {
        await h.DisposeAsync();
        client.Dispose();
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, true);
        }
    }
}
