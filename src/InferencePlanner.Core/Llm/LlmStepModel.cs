namespace InferencePlanner.Core.Llm;

/// <summary>How long one iteration of continuous batching takes on one replica, and what it draws.</summary>
public interface ILlmStepTimes
{
    /// <summary>The iteration's seconds and its power activity (see <see cref="Economics.PowerModel"/>): 0 draws idle, 1 draws TDP.</summary>
    (double Seconds, double Activity) Iteration(in LlmBatch batch);

    /// <summary>The iteration's seconds.</summary>
    double StepSeconds(in LlmBatch batch) => Iteration(batch).Seconds;

    /// <summary>What each request costs beside the iterations (API, tokenization, streaming): added to its first token and its end.</summary>
    double RequestOverheadSeconds => 0;

    /// <summary>Where the step times come from, in words (measured tables, carried from which device, a roofline, a live fit).</summary>
    string Provenance => string.Empty;
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

    public double StepSeconds(in LlmBatch batch) => Iteration(batch).Seconds;

    public string Provenance => "steps measured live with the llm-block on this machine, scaled to the model";

    /// <summary>Measured times carry no compute/memory split: a step draws TDP (the CPU's power is unknown anyway).</summary>
    public (double Seconds, double Activity) Iteration(in LlmBatch batch)
    {
        var tokens = batch.Tokens;
        if (tokens <= 0)
        {
            return (0, 0);
        }

        var ms = (Measured.OverheadMs * OverheadScale) + (Measured.MsPerToken * TokenScale * tokens)
            + (Measured.MsPerAttentionPair * AttentionScale * (batch.DecodeContextTokens + batch.PrefillAttentionPairs));
        return (Math.Max(ms, 0) / 1000, 1);
    }
}

/// <summary>The llm-block's measured step costs (ms) and the block they were measured on.</summary>
public sealed record LlmMeasuredSteps(double OverheadMs, double MsPerToken, double MsPerAttentionPair, double RSquared, int BlockLayers, int BlockHidden, double BlockParameters, int Points);

/// <summary>How much KV cache one replica holds.</summary>
public static class LlmMemory
{
    /// <summary>Tokens the KV cache of one replica holds: device memory × utilization − weights, over KV bytes per token.</summary>
    public static long KvCapacityTokens(LlmModelPreset model, double memoryGbPerDevice, int tensorParallel, double memoryUtilization, double bytesPerParameter, double bytesPerKvElement)
    {
        ArgumentNullException.ThrowIfNull(model);
        var free = (memoryGbPerDevice * 1e9 * tensorParallel * memoryUtilization) - (model.Parameters * bytesPerParameter);
        return free <= 0 ? 0 : (long)(free / model.KvBytesPerToken(bytesPerKvElement));
    }
}
