namespace HomebrewSync.Infra.Policies;

/// <summary>The rules of the pack, by id; each violation names its rule and the construct path.</summary>
public static class PolicyRule
{
    public const string BucketEncryption = "S3-ENCRYPTION";
    public const string BucketVersioning = "S3-VERSIONING";
    public const string BucketPublicAccess = "S3-PUBLIC-ACCESS";
    public const string BucketTlsOnly = "S3-TLS-ONLY";
    public const string BucketPublicAcl = "S3-PUBLIC-ACL";
    public const string IamWildcardAction = "IAM-WILDCARD-ACTION";
    public const string IamWildcardResource = "IAM-WILDCARD-RESOURCE";
    public const string IamAdmin = "IAM-ADMIN";
    public const string LogRetention = "LOG-RETENTION";
    public const string LambdaTimeout = "LAMBDA-TIMEOUT";
    public const string LambdaRuntime = "LAMBDA-RUNTIME";
    public const string OpenFunctionUrl = "FUNCTION-URL-OPEN";
    public const string LambdaTaskThrottling = "SFN-LAMBDA-THROTTLING";
    public const string EcsTaskTimeout = "SFN-ECS-TIMEOUT";
    public const string ArnPartition = "ARN-PARTITION";
    public const string EcsPublicIp = "ECS-PUBLIC-IP";
    public const string EcsPrivateSubnets = "ECS-PRIVATE-SUBNETS";
    public const string PlaintextSecret = "SECRET-PLAINTEXT";
    public const string AlarmCoverage = "ALARM-COVERAGE";
    public const string BudgetPresent = "BUDGET-PRESENT";
    public const string RequiredTags = "TAGS-REQUIRED";
    public const string RetainData = "RETAIN-DATA";
    public const string Removable = "REMOVABLE";
}
