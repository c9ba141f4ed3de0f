using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HomebrewSync.TestSupport.StateMachine;

/// <summary>
/// Follows an Amazon States Language definition from state to state the way Step Functions does for the parts this
/// project's state machine uses (Task with Retry, Catch and ResultPath, Pass with Parameters and States.StringToJson, Choice
/// with And/Or/Not and the comparisons, Succeed, Fail). What a Task does is supplied by the caller. Anything else in
/// the definition throws <see cref="NotSupportedException"/>, so a definition this walk cannot read fails the test
/// instead of being misread. A structural walk, not an execution: moto's Step Functions executor cannot run this
/// definition, and AWS's Step Functions Local is not available here. The template tests answer each Task themselves;
/// the Lambda tests run the real handlers and the ECS task's command line (<see cref="SynthesizedStateMachine"/>).
/// </summary>
public sealed partial class AslWalk(JsonObject definition, Func<TaskCall, Task<TaskOutcome>> task)
{
    public AslWalk(JsonObject definition, Func<TaskCall, TaskOutcome> task)
        : this(definition, call => Task.FromResult(task(call)))
    {
    }

    private const int MaxSteps = 1000;

    public List<string> Visited { get; } = [];

    public List<TaskCall> Tasks { get; } = [];

    /// <summary>Runs from StartAt with Tasks that answer at once; returns the terminal state (Succeed, Fail or End) the execution stops in.</summary>
    public string Run(JsonNode input)
    {
        var run = RunAsync(input);
        return run.IsCompleted ? run.GetAwaiter().GetResult() : throw new InvalidOperationException("a Task answered asynchronously: use RunAsync");
    }

    /// <inheritdoc cref="Run"/>
    public async Task<string> RunAsync(JsonNode input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var states = definition["States"]!.AsObject();
        var name = definition["StartAt"]!.GetValue<string>();
        var data = input.DeepClone();
        for (var step = 0; step < MaxSteps; step++)
        {
            Visited.Add(name);
            var state = states[name]?.AsObject() ?? throw new InvalidOperationException($"state {name} does not exist");
            foreach (var field in new[] { "InputPath", "OutputPath", "ResultSelector", "Items", "Iterator", "ItemProcessor", "Branches" })
            {
                if (state[field] is { } value && !(field is "InputPath" or "OutputPath" && value is JsonValue v && v.GetValue<string>() == "$"))
                {
                    throw new NotSupportedException($"{name}: {field} is not followed by this walk");
                }
            }
            var type = state["Type"]!.GetValue<string>();
            string? next;
            switch (type)
            {
                case "Succeed":
                case "Fail":
                    return name;
                case "Pass":
                    var result = state["Parameters"] is { } p ? Resolve(p, data) : state["Result"]?.DeepClone() ?? data.DeepClone();
                    data = WriteResult(data, state, result);
                    next = NextOf(state);
                    break;
                case "Choice":
                    next = state["Choices"]!.AsArray().FirstOrDefault(rule => Evaluate(name, rule!.AsObject(), data))?["Next"]!.GetValue<string>()
                        ?? state["Default"]?.GetValue<string>()
                        ?? throw new InvalidOperationException($"{name}: no rule matched and there is no Default (States.NoChoiceMatched)");
                    break;
                case "Task":
                    var call = new TaskCall(name, state, state["Parameters"] is { } parameters ? Resolve(parameters, data) : data.DeepClone());
                    Tasks.Add(call);
                    var outcome = await task(call);
                    var attempts = new Dictionary<int, int>();
                    while (outcome.Error is not null && Retrier(state, outcome.Error, attempts) is { } retrier)
                    {
                        Visited.Add($"(retry {retrier["ErrorEquals"]!.ToJsonString()} after {outcome.Error})");
                        Tasks.Add(call);
                        outcome = await task(call);
                    }
                    if (outcome.Error is null)
                    {
                        data = WriteResult(data, state, outcome.Result);
                        next = NextOf(state);
                        break;
                    }
                    var catcher = state["Catch"]?.AsArray().FirstOrDefault(c => c!["ErrorEquals"]!.AsArray().Any(e => Matches(e!.GetValue<string>(), outcome.Error)));
                    if (catcher is null)
                    {
                        Visited.Add("(uncaught " + outcome.Error + ")");
                        return name;
                    }
                    var error = new JsonObject { ["Error"] = outcome.Error, ["Cause"] = outcome.Cause };
                    data = WriteResult(data, catcher.AsObject(), error);
                    next = catcher["Next"]!.GetValue<string>();
                    break;
                default:
                    throw new NotSupportedException($"{name}: state type {type} is not followed by this walk");
            }
            if (next is null)
            {
                return name;
            }
            name = next;
        }
        throw new InvalidOperationException($"more than {MaxSteps} states: {string.Join(" -> ", Visited.TakeLast(20))}");
    }

    /// <summary>
    /// Retry: the first retrier whose ErrorEquals matches decides; while its attempts (MaxAttempts, 3 when absent) are not
    /// used up the task runs again, then the error goes on to Catch. Waits (IntervalSeconds, BackoffRate, MaxDelaySeconds,
    /// JitterStrategy) take no time in a walk; the template tests read them.
    /// </summary>
    private static JsonObject? Retrier(JsonObject state, string error, Dictionary<int, int> attempts)
    {
        var retriers = state["Retry"]?.AsArray() ?? [];
        for (var i = 0; i < retriers.Count; i++)
        {
            var retrier = retriers[i]!.AsObject();
            if (!retrier["ErrorEquals"]!.AsArray().Any(e => Matches(e!.GetValue<string>(), error)))
            {
                continue;
            }
            var used = attempts.GetValueOrDefault(i);
            if (used >= (retrier["MaxAttempts"]?.GetValue<int>() ?? 3))
            {
                return null;
            }
            attempts[i] = used + 1;
            return retrier;
        }
        return null;
    }

    /// <summary>States.ALL catches everything; States.TaskFailed every error but States.Timeout; other names only themselves.</summary>
    private static bool Matches(string pattern, string error) =>
        pattern == "States.ALL" || (pattern == "States.TaskFailed" && error != "States.Timeout") || pattern == error;

    private static string? NextOf(JsonObject state) =>
        state["End"] is JsonValue end && end.GetValue<bool>() ? null : state["Next"]!.GetValue<string>();

    /// <summary>ResultPath: absent is <c>$</c> (the result replaces the input), null discards the result, a path places it.</summary>
    private static JsonNode WriteResult(JsonNode data, JsonObject state, JsonNode? result)
    {
        if (!state.TryGetPropertyValue("ResultPath", out var path))
        {
            return result?.DeepClone() ?? new JsonObject();
        }
        if (path is null)
        {
            return data;
        }
        var segments = Segments(path.GetValue<string>());
        if (segments.Count == 0)
        {
            return result?.DeepClone() ?? new JsonObject();
        }
        var copy = data.DeepClone().AsObject();
        var node = copy;
        foreach (var segment in segments.SkipLast(1))
        {
            if (node[segment.Name!] is not JsonObject child)
            {
                child = [];
                node[segment.Name!] = child;
            }
            node = child;
        }
        node[segments[^1].Name ?? throw new NotSupportedException($"ResultPath {path} ends in an index")] = result?.DeepClone();
        return copy;
    }

    /// <summary>Parameters: a key ending in <c>.$</c> takes a path into the state or an intrinsic; other values are copied.</summary>
    private static JsonNode? Resolve(JsonNode template, JsonNode data)
    {
        switch (template)
        {
            case JsonObject o:
                var resolved = new JsonObject();
                foreach (var (key, value) in o)
                {
                    if (key.EndsWith(".$", StringComparison.Ordinal))
                    {
                        resolved[key[..^2]] = Expression(value!.GetValue<string>(), data);
                    }
                    else
                    {
                        resolved[key] = value is null ? null : Resolve(value, data);
                    }
                }
                return resolved;
            case JsonArray a:
                return new JsonArray(a.Select(i => i is null ? null : Resolve(i, data)).ToArray());
            default:
                return template.DeepClone();
        }
    }

    private static JsonNode? Expression(string expression, JsonNode data)
    {
        if (expression.StartsWith("$$", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"context object path {expression} is not followed by this walk");
        }
        if (expression.StartsWith('$'))
        {
            return Read(data, expression, out var found) && found is not null ? found.DeepClone() : throw new InvalidOperationException($"States.Runtime: {expression} is not in the state's input");
        }
        var intrinsic = StringToJsonRegex().Match(expression);
        if (intrinsic.Success)
        {
            var text = Expression(intrinsic.Groups[1].Value, data)!.GetValue<string>();
            return JsonNode.Parse(text);
        }
        throw new NotSupportedException($"intrinsic {expression} is not followed by this walk");
    }

    private bool Evaluate(string state, JsonObject rule, JsonNode data)
    {
        if (rule["And"] is JsonArray all)
        {
            // Step Functions stops at the first false rule: an IsPresent guard protects the comparison after it.
            return all.All(r => Evaluate(state, r!.AsObject(), data));
        }
        if (rule["Or"] is JsonArray any)
        {
            return any.Any(r => Evaluate(state, r!.AsObject(), data));
        }
        if (rule["Not"] is JsonObject not)
        {
            return !Evaluate(state, not, data);
        }
        var variable = rule["Variable"]!.GetValue<string>();
        var present = Read(data, variable, out var value);
        var (comparison, operand) = rule.Single(kv => kv.Key is not ("Variable" or "Next"));
        if (comparison == "IsPresent")
        {
            return present == operand!.GetValue<bool>();
        }
        if (!present)
        {
            throw new InvalidOperationException($"States.Runtime in {state}: {variable} is not in the state's input and {comparison} has no IsPresent guard");
        }
        var kind = value?.GetValueKind();
        return comparison switch
        {
            "IsNull" => (kind is null or JsonValueKind.Null) == operand!.GetValue<bool>(),
            "StringEquals" => kind == JsonValueKind.String && value!.GetValue<string>() == operand!.GetValue<string>(),
            "StringMatches" => kind == JsonValueKind.String && Wildcard(operand!.GetValue<string>()).IsMatch(value!.GetValue<string>()),
            "BooleanEquals" => kind is JsonValueKind.True or JsonValueKind.False && value!.GetValue<bool>() == operand!.GetValue<bool>(),
            "NumericEquals" => kind == JsonValueKind.Number && Number(value!) == Number(operand!),
            "NumericGreaterThanEquals" => kind == JsonValueKind.Number && Number(value!) >= Number(operand!),
            "NumericGreaterThan" => kind == JsonValueKind.Number && Number(value!) > Number(operand!),
            "NumericLessThan" => kind == JsonValueKind.Number && Number(value!) < Number(operand!),
            _ => throw new NotSupportedException($"{state}: comparison {comparison} is not followed by this walk"),
        };
    }

    private static decimal Number(JsonNode n) => decimal.Parse(n.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>StringMatches: <c>*</c> is any run of characters, <c>\*</c> a star, <c>\\</c> a backslash.</summary>
    private static Regex Wildcard(string pattern)
    {
        var regex = new System.Text.StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\' && i + 1 < pattern.Length)
            {
                regex.Append(Regex.Escape(pattern[++i].ToString()));
            }
            else
            {
                regex.Append(pattern[i] == '*' ? ".*" : Regex.Escape(pattern[i].ToString()));
            }
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.Singleline);
    }

    private sealed record Segment(string? Name, int? Index);

    private static List<Segment> Segments(string path)
    {
        if (path == "$")
        {
            return [];
        }
        var matches = PathRegex().Matches(path[1..]);
        if (!path.StartsWith('$') || string.Concat(matches.Select(m => m.Value)) != path[1..])
        {
            throw new NotSupportedException($"path {path} is not followed by this walk");
        }
        return matches.Select(m => m.Groups[1].Success ? new Segment(m.Groups[1].Value, null) : new Segment(null, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
    }

    private static bool Read(JsonNode data, string path, out JsonNode? value)
    {
        value = data;
        foreach (var segment in Segments(path))
        {
            if (segment.Name is { } key)
            {
                if (value is not JsonObject o || !o.TryGetPropertyValue(key, out value))
                {
                    return false;
                }
            }
            else if (value is JsonArray a && segment.Index < a.Count)
            {
                value = a[segment.Index!.Value];
            }
            else
            {
                return false;
            }
        }
        return true;
    }

    [GeneratedRegex(@"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]")]
    private static partial Regex PathRegex();

    [GeneratedRegex(@"^States\.StringToJson\((\$[^)]*)\)$")]
    private static partial Regex StringToJsonRegex();
}
