namespace InferencePlanner.Core.Llm;

/// <summary>
/// A decoder-only model by its published configuration. Parameters and KV-cache bytes per token are
/// derived from it: attention Q and O are hidden×hidden, K and V hidden×(kvHeads·headDim); the feed-forward
/// is gated (gate, up, down: 3·hidden·ffn) or plain (2·hidden·ffn), times the experts for a mixture of
/// experts (of which <see cref="ActiveExperts"/> run per token); embeddings and an untied output head are
/// vocabulary×hidden each.
/// </summary>
public sealed record LlmModelPreset(
    string Id,
    int Layers,
    int Hidden,
    int Heads,
    int KvHeads,
    int Vocabulary,
    int FeedForward,
    bool GatedFeedForward,
    bool TiedEmbeddings,
    int Experts,
    int ActiveExperts,
    string Source)
{
    /// <summary>Each attention head's width: the config's <c>head_dim</c> where it gives one, else hidden / heads.</summary>
    public int HeadDim => ExplicitHeadDim ?? (Hidden / Heads);

    /// <summary>A head width stated apart from hidden / heads (Hugging Face <c>head_dim</c>), or null.</summary>
    public int? ExplicitHeadDim { get; init; }

    /// <summary>Hugging Face repositories of this architecture (base and tuned weights of the same shapes): the preset answers to them too.</summary>
    public IReadOnlyList<string> HuggingFace { get; init; } = [];

    // Q and O are hidden × (heads · headDim); K and V hidden × (kvHeads · headDim).
    private double AttentionParametersPerLayer => (2.0 * Hidden * Heads * HeadDim) + (2.0 * Hidden * KvHeads * HeadDim);

    private double ExpertParameters => (GatedFeedForward ? 3.0 : 2.0) * Hidden * FeedForward;

    // A mixture of experts' router: hidden × experts per layer.
    private double RouterParameters => Experts > 1 ? (double)Hidden * Experts : 0;

    // Two norms per layer and a final one, a weight per hidden unit each.
    private double NormParameters => (2.0 * Layers * Hidden) + Hidden;

    private double EmbeddingParameters => (TiedEmbeddings ? 1.0 : 2.0) * Vocabulary * Hidden;

    /// <summary>All weights (Llama 2 7B: 6,738,415,616, as published).</summary>
    public double Parameters => (Layers * (AttentionParametersPerLayer + RouterParameters + (Experts * ExpertParameters))) + NormParameters + EmbeddingParameters;

    /// <summary>The weights one token passes through (a mixture of experts uses only its active experts).</summary>
    public double ActiveParameters => (Layers * (AttentionParametersPerLayer + RouterParameters + (ActiveExperts * ExpertParameters))) + NormParameters + EmbeddingParameters;

    /// <summary>KV-cache bytes one token holds: K and V, per layer, per KV head, per head dimension.</summary>
    public double KvBytesPerToken(double bytesPerElement) => 2.0 * Layers * KvHeads * HeadDim * bytesPerElement;
}

/// <summary>Presets of common open models, each from its published configuration.</summary>
public static class LlmModelPresets
{
    public static readonly IReadOnlyList<LlmModelPreset> All =
    [
        new("llama-3-8b", 32, 4096, 32, 8, 128_256, 14_336, true, false, 1, 1,
            "Meta Llama 3 8B, config.json of meta-llama/Meta-Llama-3-8B (Hugging Face), 2024-04; Llama 3.1 8B has the same shapes")
        {
            HuggingFace = ["meta-llama/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B-Instruct", "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Meta-Llama-3.1-8B", "meta-llama/Meta-Llama-3.1-8B-Instruct"],
        },
        new("llama-3-70b", 80, 8192, 64, 8, 128_256, 28_672, true, false, 1, 1,
            "Meta Llama 3 70B, config.json of meta-llama/Meta-Llama-3-70B (Hugging Face), 2024-04; Llama 3.1 and 3.3 70B have the same shapes")
        {
            HuggingFace = ["meta-llama/Meta-Llama-3-70B", "meta-llama/Meta-Llama-3-70B-Instruct", "meta-llama/Llama-3.1-70B", "meta-llama/Llama-3.1-70B-Instruct", "meta-llama/Meta-Llama-3.1-70B", "meta-llama/Meta-Llama-3.1-70B-Instruct", "meta-llama/Llama-3.3-70B-Instruct"],
        },
        new("llama-2-7b", 32, 4096, 32, 32, 32_000, 11_008, true, false, 1, 1,
            "Touvron et al., Llama 2 (arXiv:2307.09288), 2023-07; config.json of meta-llama/Llama-2-7b-hf")
        {
            HuggingFace = ["meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf"],
        },
        new("llama-2-13b", 40, 5120, 40, 40, 32_000, 13_824, true, false, 1, 1,
            "Touvron et al., Llama 2 (arXiv:2307.09288), 2023-07; config.json of meta-llama/Llama-2-13b-hf")
        {
            HuggingFace = ["meta-llama/Llama-2-13b-hf", "meta-llama/Llama-2-13b-chat-hf"],
        },
        new("llama-2-70b", 80, 8192, 64, 8, 32_000, 28_672, true, false, 1, 1,
            "Touvron et al., Llama 2 (arXiv:2307.09288), 2023-07; config.json of meta-llama/Llama-2-70b-hf")
        {
            HuggingFace = ["meta-llama/Llama-2-70b-hf", "meta-llama/Llama-2-70b-chat-hf"],
        },
        new("codellama-34b", 48, 8192, 64, 8, 32_000, 22_016, true, false, 1, 1,
            "Rozière et al., Code Llama (arXiv:2308.12950), 2023-08; config.json of codellama/CodeLlama-34b-hf")
        {
            HuggingFace = ["codellama/CodeLlama-34b-hf", "codellama/CodeLlama-34b-Instruct-hf", "codellama/CodeLlama-34b-Python-hf"],
        },
        new("mistral-7b", 32, 4096, 32, 8, 32_000, 14_336, true, false, 1, 1,
            "Jiang et al., Mistral 7B (arXiv:2310.06825), table 1, 2023-10")
        {
            HuggingFace = ["mistralai/Mistral-7B-v0.1", "mistralai/Mistral-7B-Instruct-v0.1", "mistralai/Mistral-7B-Instruct-v0.2"],
        },
        new("gpt-j-6b", 28, 4096, 16, 16, 50_400, 16_384, false, false, 1, 1,
            "EleutherAI GPT-J-6B, config.json of EleutherAI/gpt-j-6b (Hugging Face), 2021-06")
        {
            HuggingFace = ["EleutherAI/gpt-j-6b"],
        },
        new("mixtral-8x7b", 32, 4096, 32, 8, 32_000, 14_336, true, false, 8, 2,
            "Jiang et al., Mixtral of Experts (arXiv:2401.04088), table 1: 8 experts, 2 active per token, 2024-01")
        {
            HuggingFace = ["mistralai/Mixtral-8x7B-v0.1", "mistralai/Mixtral-8x7B-Instruct-v0.1"],
        },
        new("mixtral-8x22b", 56, 6144, 48, 8, 32_000, 16_384, true, false, 8, 2,
            "Mistral AI, Mixtral 8x22B, config.json of mistralai/Mixtral-8x22B-v0.1 (Hugging Face): 8 experts, 2 active per token, 2024-04")
        {
            HuggingFace = ["mistralai/Mixtral-8x22B-v0.1"],
        },
        new("qwen2.5-7b", 28, 3584, 28, 4, 152_064, 18_944, true, false, 1, 1,
            "Qwen Team, Qwen2.5 (arXiv:2412.15115), 2024-09; config.json of Qwen/Qwen2.5-7B (QKV biases not counted)")
        {
            HuggingFace = ["Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B-Instruct"],
        },
        new("qwen2.5-72b", 80, 8192, 64, 8, 152_064, 29_568, true, false, 1, 1,
            "Qwen Team, Qwen2.5 (arXiv:2412.15115), 2024-09; config.json of Qwen/Qwen2.5-72B (QKV biases not counted)")
        {
            HuggingFace = ["Qwen/Qwen2.5-72B", "Qwen/Qwen2.5-72B-Instruct"],
        },
        new("phi-2", 32, 2560, 32, 32, 51_200, 10_240, false, false, 1, 1,
            "Microsoft Phi-2, config.json of microsoft/phi-2 (Hugging Face), 2023-12 (biases not counted)")
        {
            HuggingFace = ["microsoft/phi-2"],
        },
        new("tinyllama-1.1b", 22, 2048, 32, 4, 32_000, 5632, true, false, 1, 1,
            "Zhang et al., TinyLlama (arXiv:2401.02385), table 1; config.json of TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T, 2024-01")
        {
            HuggingFace = ["TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T", "TinyLlama/TinyLlama-1.1B-Chat-v1.0"],
        },
    ];

    /// <summary>
    /// The preset named <paramref name="id"/>: by its own id, or by a Hugging Face repository of its shapes
    /// (<c>meta-llama/Llama-2-7b-hf</c>, case aside).
    /// </summary>
    public static bool TryGet(string id, out LlmModelPreset preset)
    {
        preset = All.FirstOrDefault(p => p.Id == id)
            ?? All.FirstOrDefault(p => p.HuggingFace.Any(repo => string.Equals(repo, id, StringComparison.OrdinalIgnoreCase)))!;
        return preset is not null;
    }
}
