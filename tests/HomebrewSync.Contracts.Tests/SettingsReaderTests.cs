namespace HomebrewSync.Contracts.Tests;

/// <summary>Other names for a setting live in one mapping (<see cref="EnvVars.Aliases"/>), and two names that disagree are an error.</summary>
public sealed class SettingsReaderTests
{
    private static SettingsReader Reader(params (string Key, string Value)[] pairs) =>
        new(pairs.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal));

    [Fact]
    public void BucketName_IsTheStoreInThatBucket_UnderItsOwnName()
    {
        var reader = Reader((EnvVars.S3BucketName, "homebrew-bottles-prod"));

        Assert.Equal("s3://homebrew-bottles-prod", reader.Raw(EnvVars.Store));
        Assert.Equal(EnvVars.S3BucketName, reader.NameOf(EnvVars.Store));
        Assert.Contains(EnvVars.S3BucketName, reader.Requested);
        Assert.Empty(reader.Errors);
    }

    [Fact]
    public void BucketName_AndStore_Agreeing_IsFine_Disagreeing_IsAnError()
    {
        var agree = Reader((EnvVars.S3BucketName, "mirror"), (EnvVars.Store, "s3://mirror"));
        var disagree = Reader((EnvVars.S3BucketName, "mirror"), (EnvVars.Store, "./local"));

        Assert.Empty(agree.Errors);
        Assert.Equal(
            "S3_BUCKET_NAME: 'mirror' (HOMEBREW_SYNC_STORE=s3://mirror) disagrees with HOMEBREW_SYNC_STORE ('./local'), which it is another name for; set one of them",
            Assert.Single(disagree.Errors));
        // The store no longer wins silently, but its value is what is read.
        Assert.Equal("./local", disagree.Raw(EnvVars.Store));
    }

    [Fact]
    public void TwoAliasesOfOneSetting_Disagreeing_IsAnError()
    {
        var reader = Reader(("TEMP_STORAGE_PATH", "/mnt/a"), ("EFS_MOUNT_PATH", "/mnt/b"));

        Assert.Equal("EFS_MOUNT_PATH: '/mnt/b' disagrees with TEMP_STORAGE_PATH ('/mnt/a'), which it is another name for; set one of them", Assert.Single(reader.Errors));
        Assert.Equal("/mnt/a", reader.Raw(EnvVars.TempDir));
    }
}
