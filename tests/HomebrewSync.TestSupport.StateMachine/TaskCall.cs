using System.Text.Json.Nodes;

namespace HomebrewSync.TestSupport.StateMachine;

/// <summary>One Task state entered: its name, its definition and the parameters it was given.</summary>
public sealed record TaskCall(string State, JsonObject Definition, JsonNode? Parameters);
