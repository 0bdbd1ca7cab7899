namespace InferencePlanner.Core.Llm;

/// <summary>
/// The time of one iteration of continuous batching on one replica, by roofline: a step that decodes
/// <c>decodes</c> sequences (one token each, reading their cached contexts) and prefills
/// <c>prefillTokens</c> prompt tokens reads every weight once and the KV cache of every context, and does
/// 2 FLOPs per active parameter per token plus attention (4·layers·hidden FLOPs per query-key pair). Its
/// time is max(FLOPs / (peak × η_compute), bytes / (bandwidth × η_memory)) plus a launch interval per layer.
/// Tensor parallelism multiplies peak and bandwidth by the devices of a replica (communication is not
/// modelled).
/// </summary>
/// <summary>How long one iteration of continuous batching takes on one replica.</summary>
public interface ILlmStepTimes
{
    /// <summary>Seconds of one iteration (see <see cref="LlmStepModel.StepSeconds"/> for the arguments).</summary>
    double StepSeconds(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens);

    /// <summary>
    /// The iteration's power activity (see <see cref="Economics.PowerModel"/>): 0 draws idle, 1 draws TDP. Same arguments
    /// as <see cref="StepSeconds"/>.
    /// </summary>
    double PowerActivity(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens);

    /// <summary>Both at once (the simulator's hot path): the iteration's seconds and its power activity.</summary>
    (double Seconds, double Activity) Iteration(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens);
}

/// <summary>
/// Step times measured live with the <c>llm-block</c> decoder on this machine: time = overhead + per-token
/// cost × tokens + per-pair cost × query-key pairs, fitted over measured prefill and decode steps, and
/// scaled to a preset by its weights per token, its attention width and its layers.
/// </summary>
public sealed record MeasuredLlmStepModel(LlmMeasuredSteps Measured, LlmModelPreset Model) : ILlmStepTimes
{
    private double TokenScale => (Model.ActiveParameters - ((Model.TiedEmbeddings ? 1.0 : 2.0) * Model.Vocabulary * Model.Hidden)) / Measured.BlockParameters;

    private double AttentionScale => (double)Model.Layers * Model.Hidden / (Measured.BlockLayers * Measured.BlockHidden);

    private double OverheadScale => (double)Model.Layers / Measured.BlockLayers;

    public double StepSeconds(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens)
    {
        var tokens = decodes + prefillTokens;
        if (tokens <= 0)
        {
            return 0;
        }

        var ms = (Measured.OverheadMs * OverheadScale) + (Measured.MsPerToken * TokenScale * tokens)
            + (Measured.MsPerAttentionPair * AttentionScale * (decodeContextTokens + prefillAttentionPairs));
        return Math.Max(ms, 0) / 1000;
    }

    /// <summary>Measured times carry no compute/memory split: a step draws TDP (the CPU's power is unknown anyway).</summary>
    public double PowerActivity(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens) =>
        decodes + prefillTokens > 0 ? 1 : 0;

    public (double Seconds, double Activity) Iteration(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens) =>
        (StepSeconds(decodes, decodeContextTokens, prefillTokens, prefillAttentionPairs, prefillPastTokens), PowerActivity(decodes, decodeContextTokens, prefillTokens, prefillAttentionPairs, prefillPastTokens));
}

/// <summary>The llm-block's measured step costs (ms) and the block they were measured on.</summary>
public sealed record LlmMeasuredSteps(double OverheadMs, double MsPerToken, double MsPerAttentionPair, double RSquared, int BlockLayers, int BlockHidden, double BlockParameters, int Points);

public sealed record LlmStepModel(
    LlmModelPreset Model,
    double BytesPerParameter,
    double BytesPerKvElement,
    double PeakTflops,
    double MatmulEfficiency,
    double BandwidthGBps,
    double MemoryEfficiency,
    double LaunchMicrosecondsPerLayer,
    int TensorParallel) : ILlmStepTimes
{
    public double WeightBytes => Model.Parameters * BytesPerParameter;

    public double KvBytesPerToken => Model.KvBytesPerToken(BytesPerKvElement);

    /// <summary>Seconds of one iteration.</summary>
    /// <param name="decodes">Sequences decoding one token each.</param>
    /// <param name="decodeContextTokens">The cached tokens those sequences attend to, summed.</param>
    /// <param name="prefillTokens">Prompt tokens prefilled in this iteration, summed over sequences.</param>
    /// <param name="prefillAttentionPairs">Query-key pairs of the prefill chunks (Σ chunk × (past + (chunk + 1) / 2)).</param>
    /// <param name="prefillPastTokens">Cached tokens the prefill chunks read, summed.</param>
    public double StepSeconds(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens)
    {
        var (compute, memory, launch) = Times(decodes, decodeContextTokens, prefillTokens, prefillAttentionPairs, prefillPastTokens);
        return Math.Max(compute, memory) + launch;
    }

    /// <summary>The step's compute and memory times over its whole time: what its power follows.</summary>
    public double PowerActivity(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens)
    {
        var (compute, memory, launch) = Times(decodes, decodeContextTokens, prefillTokens, prefillAttentionPairs, prefillPastTokens);
        return Economics.PowerModel.Activity(compute, memory, Math.Max(compute, memory) + launch);
    }

    public (double Seconds, double Activity) Iteration(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens)
    {
        var (compute, memory, launch) = Times(decodes, decodeContextTokens, prefillTokens, prefillAttentionPairs, prefillPastTokens);
        var seconds = Math.Max(compute, memory) + launch;
        return (seconds, Economics.PowerModel.Activity(compute, memory, seconds));
    }

    /// <summary>Seconds of the step's FLOPs at the achievable throughput, of its bytes at the achievable bandwidth, and of its launches.</summary>
    private (double Compute, double Memory, double Launch) Times(int decodes, double decodeContextTokens, double prefillTokens, double prefillAttentionPairs, double prefillPastTokens)
    {
        var tokens = decodes + prefillTokens;
        if (tokens <= 0)
        {
            return (0, 0, 0);
        }

        var flops = (2 * Model.ActiveParameters * tokens) + (4.0 * Model.Layers * Model.Hidden * (decodeContextTokens + prefillAttentionPairs));
        var activeWeightBytes = Model.Experts > 1
            ? Math.Min(WeightBytes, Model.ActiveParameters * BytesPerParameter * Math.Max(1, Math.Min(tokens, Model.Experts / (double)Model.ActiveExperts)))
            : WeightBytes;
        var bytes = activeWeightBytes + (KvBytesPerToken * (decodeContextTokens + prefillPastTokens + tokens));
        var compute = flops / (PeakTflops * 1e12 * MatmulEfficiency * TensorParallel);
        var memory = bytes / (BandwidthGBps * 1e9 * MemoryEfficiency * TensorParallel);
        return (compute, memory, Model.Layers * LaunchMicrosecondsPerLayer / 1e6);
    }

    /// <summary>Steady decode throughput at a batch: generated tokens per second with every sequence at <paramref name="context"/> tokens.</summary>
    public double DecodeTokensPerSecond(int batch, double context) => batch / StepSeconds(batch, batch * context, 0, 0, 0);

    /// <summary>Which limit dominates a decode step at this batch.</summary>
    public string DecodeBound(int batch, double context)
    {
        var tokens = (double)batch;
        var flops = (2 * Model.ActiveParameters * tokens) + (4.0 * Model.Layers * Model.Hidden * batch * context);
        var bytes = WeightBytes + (KvBytesPerToken * ((batch * context) + tokens));
        return flops / (PeakTflops * 1e12 * MatmulEfficiency) >= bytes / (BandwidthGBps * 1e9 * MemoryEfficiency) ? "compute" : "memory";
    }

    /// <summary>Tokens the KV cache of one replica holds: device memory × utilization − weights, over KV bytes per token.</summary>
    public static long KvCapacityTokens(LlmModelPreset model, double memoryGbPerDevice, int tensorParallel, double memoryUtilization, double bytesPerParameter, double bytesPerKvElement)
    {
        ArgumentNullException.ThrowIfNull(model);
        var free = (memoryGbPerDevice * 1e9 * tensorParallel * memoryUtilization) - (model.Parameters * bytesPerParameter);
        return free <= 0 ? 0 : (long)(free / model.KvBytesPerToken(bytesPerKvElement));
    }
}
