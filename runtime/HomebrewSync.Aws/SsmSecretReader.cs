using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using HomebrewSync.Core.Notifications;

namespace HomebrewSync.Aws;

/// <summary>
/// Reads a Secrets Manager secret through SSM Parameter Store's reference path
/// (<c>/aws/reference/secretsmanager/&lt;name&gt;</c>), since the Secrets Manager SDK package is not available.
/// </summary>
public sealed class SsmSecretReader : ISecretReader
{
    public const string ReferencePrefix = "/aws/reference/secretsmanager/";
    private readonly IAmazonSimpleSystemsManagement _ssm;

    public SsmSecretReader(IAmazonSimpleSystemsManagement ssm)
    {
        _ssm = ssm;
    }

    public async Task<string> ReadAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        GetParameterResponse response;
        try
        {
            response = await _ssm.GetParameterAsync(new GetParameterRequest { Name = ReferencePrefix + name, WithDecryption = true }, cancellationToken);
        }
        catch (AmazonServiceException ex)
        {
            throw new SecretUnavailableException($"The secret '{name}' cannot be read: {ex.ErrorCode ?? ex.StatusCode.ToString()}", ex);
        }
        catch (AmazonClientException ex)
        {
            throw new SecretUnavailableException($"The secret '{name}' cannot be read: {ex.GetType().Name}", ex);
        }
        // Parsed (URL or JSON, placeholder) by the caller, the same way on every host.
        return response.Parameter?.Value ?? "";
    }

    public static AmazonSimpleSystemsManagementClient CreateClient(Uri? endpoint, string? region)
    {
        var config = new AmazonSimpleSystemsManagementConfig { RetryMode = RequestRetryMode.Standard };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.AbsoluteUri;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else if (!string.IsNullOrEmpty(region))
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        }
        return new AmazonSimpleSystemsManagementClient(config);
    }
}
