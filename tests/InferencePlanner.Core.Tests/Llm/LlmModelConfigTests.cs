using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Core.Tests.Llm;

/// <summary><c>llm.model</c> as a preset, a Hugging Face config.json, or its keys inline.</summary>
public sealed class LlmModelConfigTests
{
    // meta-llama/Llama-2-7b-hf config.json as published (keys the model does not read kept, as in the real file).
    private const string Llama2_7B = """
        {
          "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
          "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008, "max_position_embeddings": 4096,
          "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
          "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "tie_word_embeddings": false,
          "torch_dtype": "float16", "transformers_version": "4.31.0.dev0", "use_cache": true, "vocab_size": 32000
        }
        """;

    private static string Scenario(string model) => $$"""
        {
          "name": "config", "seed": 1, "horizon": { "queries": 10 },
          "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 1 },
                        "tokens": { "input": { "distribution": "deterministic", "mean": 100 }, "output": { "distribution": "deterministic", "mean": 10 } } },
          "pools": [ { "name": "gpu", "device": "nvidia-h100-sxm", "count": 1, "llm": { "model": {{model}} } } ]
        }
        """;

    [Fact]
    public void Llama2_7B_ConfigJson_GivesThePublishedParameterCount_Exactly()
    {
        var folder = Directory.CreateTempSubdirectory("llama-2-7b-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "config.json"), Llama2_7B);

            var model = LlmModels.Resolve("config.json", "$.pools[0].llm.model", folder.FullName);

            Assert.Equal(6_738_415_616, model.Parameters); // Llama 2 7B's published count
            Assert.Equal((32, 4096, 32, 32, 11_008, 32_000, true, false), (model.Layers, model.Hidden, model.Heads, model.KvHeads, model.FeedForward, model.Vocabulary, model.GatedFeedForward, model.TiedEmbeddings));
            Assert.Equal(LlmModelPresets.All.Single(p => p.Id == "llama-2-7b").Parameters, model.Parameters);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void AHuggingFaceRepository_NamesThePresetOfItsShapes()
    {
        Assert.Equal("llama-2-7b", LlmModels.Resolve("meta-llama/Llama-2-7b-hf", "$.pools[0].llm.model").Id);
        Assert.Equal("llama-3-70b", LlmModels.Resolve("META-LLAMA/Llama-3.1-70B-Instruct", "$.pools[0].llm.model").Id);
        Assert.Equal("codellama-34b", LlmModels.Resolve("codellama/CodeLlama-34b-hf", "$.pools[0].llm.model").Id);
        // Every repository names one preset only.
        var repositories = LlmModelPresets.All.SelectMany(p => p.HuggingFace).ToList();
        Assert.Equal(repositories.Count, repositories.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        // A repository no preset lists is an error naming it, as any unknown name.
        var error = Assert.Throws<ScenarioException>(() => LlmModels.Resolve("google/gemma-7b", "$.pools[0].llm.model"));
        Assert.Contains("$.pools[0].llm.model: 'google/gemma-7b' is not a model preset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mixtral_Inline_GivesThePublishedParameterCount_AndItsActiveShare()
    {
        var scenario = ScenarioJson.Parse(Scenario("""
            { "num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
              "vocab_size": 32000, "tie_word_embeddings": false, "num_local_experts": 8, "num_experts_per_tok": 2, "model_type": "mixtral" }
            """));

        var model = LlmModels.Resolve(scenario.Pools![0].Llm!.Model, "$.pools[0].llm.model");

        Assert.Equal(46_702_792_704, model.Parameters); // Mixtral 8x7B's published count
        Assert.Equal((8, 2), (model.Experts, model.ActiveExperts));
        // Two of eight experts' feed-forward weights: 46.7 B − 6 × 32 × 3 × 4096 × 14336.
        Assert.Equal(46_702_792_704 - (6.0 * 32 * 3 * 4096 * 14336), model.ActiveParameters);
    }

    [Fact]
    public void InlineConfig_UnknownKey_IsNamed_WithWhatItMayMean()
    {
        var error = Assert.Throws<ScenarioException>(() => ScenarioJson.Parse(Scenario("""{ "num_hiden_layers": 32, "hidden_size": 4096 }""")));

        var only = Assert.Single(error.Errors);
        Assert.Equal("$.pools[0].llm.model", only.Path);
        Assert.StartsWith("'num_hiden_layers' is not a config key the model reads", only.Reason, StringComparison.Ordinal);
        Assert.Contains("did you mean num_hidden_layers", only.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void InlineConfig_MissingKey_IsNamed_ByTheValidator()
    {
        var scenario = ScenarioJson.Parse(Scenario("""{ "num_hidden_layers": 32, "num_attention_heads": 32, "intermediate_size": 11008, "vocab_size": 32000 }"""));

        var errors = ScenarioValidator.Validate(scenario);

        Assert.Contains(errors, e => e.Path == "$.pools[0].llm.model.hidden_size" && e.Reason == "is required");
    }

    [Fact]
    public void UnknownPreset_SuggestsTheClosest()
    {
        var error = Assert.Throws<ScenarioException>(() => LlmModels.Resolve("llama-3-8", "$.pools[0].llm.model"));

        Assert.Contains("'llama-3-8' is not a model preset", error.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("did you mean llama-3-8b", error.Errors[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PhiStyleConfig_HasAPlainFeedForward_AndKvHeadsDefaultToHeads()
    {
        var model = new HfModelConfig { NumHiddenLayers = 32, HiddenSize = 2560, NumAttentionHeads = 32, IntermediateSize = 10240, VocabSize = 51200, ModelType = "phi" }
            .ToPreset("phi-2", "test", "$.model");

        Assert.False(model.GatedFeedForward);
        Assert.Equal(32, model.KvHeads);
    }

    [Fact]
    public void InlineKeys_RoundTrip_AsTheyWereGiven()
    {
        var scenario = ScenarioJson.Parse(Scenario("""{ "num_hidden_layers": 2, "hidden_size": 256, "num_attention_heads": 4, "intermediate_size": 512, "vocab_size": 1000 }"""));

        var again = ScenarioJson.Parse(ScenarioJson.Write(scenario));

        Assert.Equal(scenario.Pools![0].Llm!.Model!.Inline, again.Pools![0].Llm!.Model!.Inline);
        Assert.Equal("llama-3-8b", ScenarioJson.Parse(Scenario("\"llama-3-8b\"")).Pools![0].Llm!.Model!.Name);
    }

    [Theory]
    [InlineData("gelu_new", false)]
    [InlineData("relu", false)]
    [InlineData("silu", true)]
    public void WithoutAModelType_TheActivationSaysWhetherTheFeedForwardIsGated(string act, bool gated)
    {
        var model = new HfModelConfig { NumHiddenLayers = 2, HiddenSize = 256, NumAttentionHeads = 4, IntermediateSize = 512, VocabSize = 1000, HiddenAct = act }
            .ToPreset("m", "test", "$.model");

        Assert.Equal(gated, model.GatedFeedForward);
    }

    [Theory]
    [InlineData(0, null, "$.model.head_dim", "must be at least 1")]
    [InlineData(null, 0, "$.model.num_local_experts", "must be at least 1")]
    public void ImpossibleKeys_AreNamed(int? headDim, int? experts, string path, string reason)
    {
        var config = new HfModelConfig { NumHiddenLayers = 2, HiddenSize = 256, NumAttentionHeads = 4, IntermediateSize = 512, VocabSize = 1000, HeadDim = headDim, NumLocalExperts = experts };

        var error = Assert.Throws<ScenarioException>(() => config.ToPreset("m", "test", "$.model"));

        Assert.Equal((path, reason), (error.Errors[0].Path, error.Errors[0].Reason));
    }
}
