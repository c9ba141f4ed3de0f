using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Contracts;

/// <summary>A setting a deployment sets from its config: checked there, and written into the deployed environment.</summary>
public interface IDeployedSetting
{
    string EnvVar { get; }

    string? ConfigKey { get; }

    /// <summary>The config's value outside the setting's range (or the narrower one a deployment keeps to): the error; else null.</summary>
    string? CheckConfig(DeploymentConfig config);

    /// <summary>The config's value as the environment variable carries it.</summary>
    string ConfigText(DeploymentConfig config);
}
