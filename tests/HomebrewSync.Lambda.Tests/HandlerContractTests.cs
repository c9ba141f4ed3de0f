using HomebrewSync.Contracts.StateMachine;

namespace HomebrewSync.Lambda.Tests;

public sealed class HandlerContractTests
{
    [Theory]
    [InlineData(HandlerNames.Orchestrator)]
    [InlineData(HandlerNames.Worker)]
    [InlineData(HandlerNames.BrewEndpoint)]
    public void HandlerName_ResolvesToAStreamHandlerWithAParameterlessConstructor(string handler)
    {
        var parts = handler.Split("::");
        var type = Type.GetType($"{parts[1]}, {parts[0]}", throwOnError: true)!;
        var method = type.GetMethod(parts[2]);

        Assert.NotNull(type.GetConstructor(Type.EmptyTypes));
        Assert.NotNull(method);
        Assert.Equal(typeof(Task<Stream>), method.ReturnType);
        Assert.Equal([typeof(Stream)], method.GetParameters().Select(p => p.ParameterType));
    }
}
