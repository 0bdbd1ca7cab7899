using System.Globalization;

namespace InferencePlanner.Core.Llm.Operators;

/// <summary>What an operator does, for the shapes it is looked up by and the efficiencies learned per class.</summary>
public enum OperatorClass
{
    /// <summary>A matrix multiplication (the QKV, output, gate/up and down projections, the LM head, the experts).</summary>
    Gemm,

    /// <summary>RMS or layer normalization of the hidden state.</summary>
    Norm,

    /// <summary>Rotary position embedding of queries and keys.</summary>
    Rope,

    /// <summary>The feed-forward activation (SiLU × gate, or GELU).</summary>
    Activation,

    /// <summary>The residual add.</summary>
    Add,

    /// <summary>The token embedding lookup.</summary>
    Embedding,
}

/// <summary>
/// One operator's measured times on one device, by tokens in the batch: seconds at each measured token count,
/// linear between them (exact on the points), and beyond the last point in proportion to the tokens (the work of a
/// batch that large grows with it; the last segment's local slope is noise). Made non-decreasing
/// in tokens first: a batch can always be padded to a larger measured size that ran faster (a kernel's tile and
/// wave quantization makes some sizes slower than larger ones), so no size costs more than any larger one.
/// </summary>
public sealed class OperatorCurve
{
    private readonly double[] _tokens;
    private readonly double[] _seconds;

    public OperatorCurve(IReadOnlyList<(double Tokens, double Seconds)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sorted = points.OrderBy(p => p.Tokens).ToArray();
        if (sorted.Length == 0 || sorted.Any(p => !(p.Tokens >= 1) || !(p.Seconds >= 0) || !double.IsFinite(p.Seconds)))
        {
            throw new ArgumentException("an operator curve needs points of at least one token and finite, non-negative times", nameof(points));
        }

        _tokens = [.. sorted.Select(p => p.Tokens)];
        _seconds = [.. sorted.Select(p => p.Seconds)];
        Measured = [.. _seconds];
        for (var i = _seconds.Length - 2; i >= 0; i--)
        {
            _seconds[i] = Math.Min(_seconds[i], _seconds[i + 1]);
        }
    }

    /// <summary>The times as measured, before the padding rule.</summary>
    public IReadOnlyList<double> Measured { get; }

    public IReadOnlyList<double> Tokens => _tokens;

    public IReadOnlyList<double> Seconds => _seconds;

    /// <summary>Seconds at <paramref name="tokens"/>: the measured figure on a point, linear between points; below the first point the first figure (a kernel costs at least that), beyond the last in proportion.</summary>
    public double At(double tokens)
    {
        var n = _tokens.Length;
        if (tokens <= _tokens[0])
        {
            return _seconds[0];
        }

        if (tokens >= _tokens[n - 1])
        {
            return _seconds[n - 1] * tokens / _tokens[n - 1];
        }

        var i = Array.BinarySearch(_tokens, tokens);
        if (i >= 0)
        {
            return _seconds[i];
        }

        i = ~i;
        var (lo, hi) = (i - 1, i);
        var slope = (_seconds[hi] - _seconds[lo]) / (_tokens[hi] - _tokens[lo]);
        return _seconds[lo] + (slope * (tokens - _tokens[lo]));
    }
}

/// <summary>A measured operator shape: its class, the shape it was measured at, and the figures a roofline needs.</summary>
/// <param name="Class">What the operator does.</param>
/// <param name="Key">The shape it is looked up by (see <see cref="OperatorShapes"/>).</param>
/// <param name="FlopsPerToken">Its floating-point operations per token of the batch.</param>
/// <param name="BytesFixed">Bytes it moves whatever the batch (a GEMM's weights).</param>
/// <param name="BytesPerToken">Bytes it moves per token of the batch (activations read and written).</param>
public sealed record OperatorShape(OperatorClass Class, string Key, double FlopsPerToken, double BytesFixed, double BytesPerToken)
{
    public double Flops(double tokens) => FlopsPerToken * tokens;

    public double Bytes(double tokens) => BytesFixed + (BytesPerToken * tokens);
}

/// <summary>
/// The operators of one decoder layer by the names the measured tables use, and their shapes for a model at a
/// tensor-parallel degree (the share one device of the group computes). Two bytes per element: the tables are fp16.
/// </summary>
public static class OperatorShapes
{
    /// <summary>The measured operators of one layer (the embedding is once per step, not per layer).</summary>
    public static readonly IReadOnlyList<string> LayerOperators =
        ["input_layernorm", "attn_pre_proj", "attn_rope", "attn_post_proj", "post_attention_layernorm", "mlp_up_proj", "mlp_act", "mlp_down_proj", "add"];

    public const string Embedding = "emb";

    /// <summary>A GEMM of <paramref name="k"/> inputs to <paramref name="n"/> outputs per token.</summary>
    public static OperatorShape Gemm(double k, double n, double bytesPerElement = 2) =>
        new(OperatorClass.Gemm, Invariant($"gemm k={k} n={n}"), 2 * k * n, k * n * bytesPerElement, (k + n) * bytesPerElement);

    /// <summary>The shape of the operator <paramref name="name"/> of <paramref name="dims"/> on one of <paramref name="tensorParallel"/> devices.</summary>
    public static OperatorShape Of(string name, LayerDims dims, int tensorParallel, double bytesPerElement = 2)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var tp = (double)tensorParallel;
        var h = (double)dims.Hidden;
        var headDim = dims.HeadDim;
        var b = bytesPerElement;
        return name switch
        {
            "attn_pre_proj" => Gemm(h, (dims.Heads + (2.0 * dims.KvHeads)) * headDim / tp, b),
            "attn_post_proj" => Gemm(dims.Heads * headDim / tp, h, b),
            "mlp_up_proj" => Gemm(h, (dims.Gated ? 2.0 : 1.0) * dims.FeedForward / tp, b),
            "mlp_down_proj" => Gemm(dims.FeedForward / tp, h, b),
            // Normalization reads and writes the hidden state; the weights are negligible.
            "input_layernorm" or "post_attention_layernorm" => new(OperatorClass.Norm, Invariant($"norm h={h}"), 0, h * b, 2 * h * b),
            // Rotary: queries and keys of the device's heads, read and written.
            "attn_rope" => new(OperatorClass.Rope, Invariant($"rope q={dims.Heads / tp} kv={dims.KvHeads / tp} d={headDim}"), 0, 0, 2 * (dims.Heads + dims.KvHeads) / tp * headDim * b),
            // Gated: gate and up read, their product written; plain: read and written.
            "mlp_act" => new(OperatorClass.Activation, Invariant($"act f={dims.FeedForward / tp} gated={dims.Gated}"), 0, 0, (dims.Gated ? 3.0 : 2.0) * dims.FeedForward / tp * b),
            // Two hidden states read, one written.
            "add" => new(OperatorClass.Add, Invariant($"add h={h}"), 0, 0, 3 * h * b),
            // A row of the table read and written per token.
            Embedding => new(OperatorClass.Embedding, Invariant($"emb h={h}"), 0, 0, 2 * h * b),
            _ => throw new ArgumentException($"'{name}' is not a measured operator", nameof(name)),
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The dimensions of one decoder layer that fix its operators' shapes.</summary>
public sealed record LayerDims(int Hidden, int Heads, int KvHeads, int FeedForward, bool Gated, int Vocabulary)
{
    /// <summary>Each head's width: hidden / heads unless the model states its own.</summary>
    public double HeadDim => ExplicitHeadDim ?? ((double)Hidden / Heads);

    public int? ExplicitHeadDim { get; init; }

    public static LayerDims Of(LlmModelPreset model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(model.Hidden, model.Heads, model.KvHeads, model.FeedForward, model.GatedFeedForward, model.Vocabulary) { ExplicitHeadDim = model.ExplicitHeadDim };
    }
}
