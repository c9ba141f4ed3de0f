using System.Text.Json.Nodes;
using HomebrewSync.TestSupport.StateMachine;

namespace HomebrewSync.Lambda.Tests;

/// <summary>Prod's state machine as <c>npx cdk synth</c> writes it, synthesized once per test run and shared by the classes that execute it.</summary>
public sealed class ProdStateMachine
{
    public SynthesizedStateMachine Machine { get; } = SynthesizedStateMachine.For("prod");
}

/// <summary>Prod's state machine from a config whose <c>max_worker_invocations</c> is 2: the worker loop's bound, reached in a test.</summary>
public sealed class TwoWorkerInvocationsStateMachine : IDisposable
{
    public const int MaxWorkerInvocations = 2;

    private readonly string _configDir = Directory.CreateTempSubdirectory("hbs-config-").FullName;

    public TwoWorkerInvocationsStateMachine()
    {
        var config = Path.Combine(CliSynthesis.RepositoryRoot(), "config");
        foreach (var file in Directory.GetFiles(config, "*.json"))
        {
            File.Copy(file, Path.Combine(_configDir, Path.GetFileName(file)));
        }
        var prod = JsonNode.Parse(File.ReadAllText(Path.Combine(config, "prod.json")))!.AsObject();
        prod["max_worker_invocations"] = MaxWorkerInvocations;
        File.WriteAllText(Path.Combine(_configDir, "prod.json"), prod.ToJsonString());
        Machine = SynthesizedStateMachine.For("prod", _configDir);
    }

    public SynthesizedStateMachine Machine { get; }

    public void Dispose() => Directory.Delete(_configDir, true);
}
