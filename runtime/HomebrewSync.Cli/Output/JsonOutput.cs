using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HomebrewSync.Cli.Output;

/// <summary>Writes a command's --json document (<see cref="CliJsonContext"/>: indented, snake_case).</summary>
internal static class JsonOutput
{
    public static void Write<T>(TextWriter writer, T value, JsonTypeInfo<T> type) => writer.WriteLine(JsonSerializer.Serialize(value, type));
}
