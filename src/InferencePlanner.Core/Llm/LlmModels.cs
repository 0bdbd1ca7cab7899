using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Core.Llm;

/// <summary>
/// <c>pools[].llm.model</c>: a preset name (<c>llama-3-8b</c>), a path to a Hugging Face <c>config.json</c>, or the
/// same keys inline (<see cref="HfModelConfig"/>).
/// </summary>
[JsonConverter(typeof(LlmModelSpecConverter))]
public sealed record LlmModelSpec
{
    /// <summary>A preset name or a path to a <c>config.json</c>; null when the keys are inline.</summary>
    public string? Name { get; init; }

    /// <summary>The configuration's keys given inline.</summary>
    public HfModelConfig? Inline { get; init; }

    public static implicit operator LlmModelSpec(string name) => new() { Name = name };

    public static LlmModelSpec FromString(string name) => name;

    public override string ToString() => Name ?? "(inline config)";
}

/// <summary>
/// The keys of a Hugging Face <c>config.json</c> the step model reads (Llama, Mistral, Mixtral, Qwen2, Phi-3 and
/// their kin share them). <c>model_type</c> and <c>hidden_act</c> say whether the feed-forward is gated.
/// </summary>
public sealed record HfModelConfig
{
    [JsonPropertyName("num_hidden_layers")] public int? NumHiddenLayers { get; init; }
    [JsonPropertyName("hidden_size")] public int? HiddenSize { get; init; }
    [JsonPropertyName("num_attention_heads")] public int? NumAttentionHeads { get; init; }
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; init; }
    [JsonPropertyName("intermediate_size")] public int? IntermediateSize { get; init; }
    [JsonPropertyName("vocab_size")] public int? VocabSize { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool? TieWordEmbeddings { get; init; }
    [JsonPropertyName("num_local_experts")] public int? NumLocalExperts { get; init; }
    [JsonPropertyName("num_experts_per_tok")] public int? NumExpertsPerTok { get; init; }
    [JsonPropertyName("head_dim")] public int? HeadDim { get; init; }
    [JsonPropertyName("model_type")] public string? ModelType { get; init; }
    [JsonPropertyName("hidden_act")] public string? HiddenAct { get; init; }

    /// <summary>The keys inline configs may use.</summary>
    public static readonly IReadOnlyList<string> Keys =
        ["num_hidden_layers", "hidden_size", "num_attention_heads", "num_key_value_heads", "intermediate_size", "vocab_size",
         "tie_word_embeddings", "num_local_experts", "num_experts_per_tok", "head_dim", "model_type", "hidden_act"];

    // Architectures whose feed-forward is one up projection and an activation, not gated.
    private static readonly HashSet<string> PlainFeedForward = new(StringComparer.OrdinalIgnoreCase) { "phi", "gpt2", "gptj", "gpt_neox", "opt", "bloom", "falcon", "gpt_bigcode" };

    /// <summary>The model these keys describe, or the first missing or impossible key and why.</summary>
    public LlmModelPreset ToPreset(string id, string source, string at)
    {
        int Required(int? value, string key) => value is { } v && v >= 1 ? v
            : throw new ScenarioException($"{at}.{key}", value is null ? "is required" : "must be at least 1");
        var layers = Required(NumHiddenLayers, "num_hidden_layers");
        var hidden = Required(HiddenSize, "hidden_size");
        var heads = Required(NumAttentionHeads, "num_attention_heads");
        var ffn = Required(IntermediateSize, "intermediate_size");
        var vocabulary = Required(VocabSize, "vocab_size");
        var kv = NumKeyValueHeads ?? heads;
        if (kv < 1 || heads % kv != 0)
        {
            throw new ScenarioException($"{at}.num_key_value_heads", $"must divide num_attention_heads ({heads})");
        }

        if (HeadDim is null && hidden % heads != 0)
        {
            throw new ScenarioException($"{at}.head_dim", $"is required: hidden_size ({hidden}) is not a multiple of num_attention_heads ({heads})");
        }

        if (HeadDim is < 1)
        {
            throw new ScenarioException($"{at}.head_dim", "must be at least 1");
        }

        var experts = NumLocalExperts ?? 1;
        if (experts < 1)
        {
            throw new ScenarioException($"{at}.num_local_experts", "must be at least 1");
        }

        var active = NumExpertsPerTok ?? (experts > 1 ? 2 : 1);
        if (active < 1 || active > experts)
        {
            throw new ScenarioException($"{at}.num_experts_per_tok", $"must be from 1 to num_local_experts ({experts})");
        }

        // The architecture decides; without one, the activation does (SiLU and its kin gate, GELU and ReLU alone do not).
        var gated = ModelType is { } type
            ? !PlainFeedForward.Contains(type)
            : HiddenAct is not { } act || !(act.StartsWith("gelu", StringComparison.OrdinalIgnoreCase) || act.Equals("relu", StringComparison.OrdinalIgnoreCase));
        return new LlmModelPreset(id, layers, hidden, heads, kv, vocabulary, ffn, gated, TieWordEmbeddings ?? false, experts, active, source)
        {
            ExplicitHeadDim = HeadDim,
        };
    }
}

/// <summary>Resolves <c>llm.model</c> to a model: a preset, a <c>config.json</c> file, or inline keys.</summary>
public static class LlmModels
{
    /// <summary>The model <paramref name="spec"/> names; a <see cref="ScenarioException"/> at <paramref name="at"/> when it cannot be read.</summary>
    /// <param name="spec">The scenario's <c>llm.model</c>.</param>
    /// <param name="at">Its JSON path (for errors).</param>
    /// <param name="baseDirectory">Where a relative path is looked for first (the scenario's folder), then the working folder.</param>
    public static LlmModelPreset Resolve(LlmModelSpec? spec, string at, string? baseDirectory = null)
    {
        if (spec?.Inline is { } inline)
        {
            return inline.ToPreset("inline config", "the scenario's inline config", at);
        }

        if (spec?.Name is not { Length: > 0 } name)
        {
            throw new ScenarioException(at, $"is required: a preset ({string.Join(", ", LlmModelPresets.All.Select(m => m.Id))}), a path to a Hugging Face config.json, or its keys inline");
        }

        if (LlmModelPresets.TryGet(name, out var preset))
        {
            return preset;
        }

        if (!name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ScenarioException(at, $"'{name}' is not a model preset ({string.Join(", ", LlmModelPresets.All.Select(m => m.Id))}){Suggestions.DidYouMean(Suggestions.Closest(name, LlmModelPresets.All.Select(m => m.Id)))}, nor a path to a config.json");
        }

        var path = new[] { baseDirectory is null ? null : Path.Combine(baseDirectory, name), name }.FirstOrDefault(p => p is not null && File.Exists(p));
        if (path is null)
        {
            throw new ScenarioException(at, $"'{name}' does not exist");
        }

        var info = new FileInfo(path);
        if (info.Length > 1_048_576)
        {
            throw new ScenarioException(at, $"'{name}' is {info.Length:N0} bytes: a config.json is a few kilobytes");
        }

        HfModelConfig? config;
        try
        {
            // A real config.json has many keys the step model does not need (rope, token ids, dtypes): they are skipped.
            config = JsonSerializer.Deserialize<HfModelConfig>(File.ReadAllText(path), FileOptions);
        }
        catch (JsonException ex)
        {
            throw new ScenarioException(at, $"'{name}' is not a readable config.json: {ex.Message}");
        }

        return (config ?? throw new ScenarioException(at, $"'{name}' is empty")).ToPreset(Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? name, $"config.json at {name}", $"{at}({Path.GetFileName(path)})");
    }

    /// <summary>
    /// A Hugging Face config.json's text (pasted or uploaded) as the keys the step model reads (the rest skipped), checked
    /// the way a scenario's inline config is; a <see cref="ScenarioException"/> at <paramref name="at"/> when unreadable.
    /// </summary>
    public static HfModelConfig ParseConfig(string json, string at)
    {
        ArgumentNullException.ThrowIfNull(json);
        HfModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<HfModelConfig>(json, FileOptions);
        }
        catch (JsonException ex)
        {
            throw new ScenarioException(at, $"not a readable config.json: {ex.Message}");
        }

        config = config ?? throw new ScenarioException(at, "is empty");
        _ = config.ToPreset("pasted config", "a pasted config.json", at); // throws, naming the key, when one the model needs is missing or wrong
        return config;
    }

    private static readonly JsonSerializerOptions FileOptions = new() { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, NumberHandling = JsonNumberHandling.AllowReadingFromString };
}

/// <summary>Reads <c>llm.model</c> as a string (preset or path) or an object of config keys (each unknown key named); writes it back the same way.</summary>
public sealed class LlmModelSpecConverter : JsonConverter<LlmModelSpec>
{
    private static readonly JsonSerializerOptions WriteOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public override LlmModelSpec? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new LlmModelSpec { Name = reader.GetString() };
            case JsonTokenType.StartObject:
                var node = JsonNode.Parse(ref reader)!.AsObject();
                foreach (var (key, _) in node)
                {
                    if (!HfModelConfig.Keys.Contains(key, StringComparer.Ordinal))
                    {
                        throw new JsonException($"'{key}' is not a config key the model reads ({string.Join(", ", HfModelConfig.Keys)}){Suggestions.DidYouMean(Suggestions.Closest(key, HfModelConfig.Keys))}");
                    }
                }

                return new LlmModelSpec { Inline = node.Deserialize<HfModelConfig>() };
            default:
                throw new JsonException("must be a preset name, a path to a config.json, or an object of its keys");
        }
    }

    public override void Write(Utf8JsonWriter writer, LlmModelSpec value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Inline is { } inline)
        {
            JsonSerializer.Serialize(writer, inline, WriteOptions);
        }
        else
        {
            writer.WriteStringValue(value.Name);
        }
    }
}
