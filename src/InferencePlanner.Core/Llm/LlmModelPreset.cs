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
            "Meta Llama 3 8B, config.json of meta-llama/Meta-Llama-3-8B (Hugging Face), 2024-04"),
        new("llama-3-70b", 80, 8192, 64, 8, 128_256, 28_672, true, false, 1, 1,
            "Meta Llama 3 70B, config.json of meta-llama/Meta-Llama-3-70B (Hugging Face), 2024-04"),
        new("llama-2-7b", 32, 4096, 32, 32, 32_000, 11_008, true, false, 1, 1,
            "Touvron et al., Llama 2 (arXiv:2307.09288), 2023-07; config.json of meta-llama/Llama-2-7b-hf"),
        new("llama-2-70b", 80, 8192, 64, 8, 32_000, 28_672, true, false, 1, 1,
            "Touvron et al., Llama 2 (arXiv:2307.09288), 2023-07; config.json of meta-llama/Llama-2-70b-hf"),
        new("mistral-7b", 32, 4096, 32, 8, 32_000, 14_336, true, false, 1, 1,
            "Jiang et al., Mistral 7B (arXiv:2310.06825), table 1, 2023-10"),
        new("gpt-j-6b", 28, 4096, 16, 16, 50_400, 16_384, false, false, 1, 1,
            "EleutherAI GPT-J-6B, config.json of EleutherAI/gpt-j-6b (Hugging Face), 2021-06"),
        new("mixtral-8x7b", 32, 4096, 32, 8, 32_000, 14_336, true, false, 8, 2,
            "Jiang et al., Mixtral of Experts (arXiv:2401.04088), table 1: 8 experts, 2 active per token, 2024-01"),
        new("tinyllama-1.1b", 22, 2048, 32, 4, 32_000, 5632, true, false, 1, 1,
            "Zhang et al., TinyLlama (arXiv:2401.02385), table 1; config.json of TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T, 2024-01"),
    ];

    public static bool TryGet(string id, out LlmModelPreset preset)
    {
        preset = All.FirstOrDefault(p => p.Id == id)!;
        return preset is not null;
    }
}
