namespace HomebrewSync.TestSupport.Servers;

// Compiled into each test assembly that links it, not into this library: xunit v2 finds collection
// definitions only in the test assembly, and one definition per assembly means one moto server per assembly.
[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3ServerFixture>
{
    public const string Name = "s3";
}
