using InferencePlanner.Core.Llm.Operators;

namespace InferencePlanner.Core.Llm;

/// <summary>What one iteration of continuous batching holds.</summary>
/// <param name="Decodes">Sequences decoding one token each.</param>
/// <param name="DecodeContextTokens">The cached tokens those sequences attend to, summed.</param>
/// <param name="PrefillTokens">Prompt tokens prefilled in this iteration, summed over sequences.</param>
/// <param name="PrefillSequences">Sequences with a prefill chunk in this iteration.</param>
/// <param name="PrefillAttentionPairs">Query-key pairs of the prefill chunks (Σ chunk × (past + (chunk + 1) / 2)).</param>
/// <param name="PrefillPastTokens">Cached tokens the prefill chunks read, summed.</param>
public readonly record struct LlmBatch(int Decodes, double DecodeContextTokens, double PrefillTokens, int PrefillSequences, double PrefillAttentionPairs, double PrefillPastTokens)
{
    /// <summary>Tokens through the model's dense layers.</summary>
    public double Tokens => Decodes + PrefillTokens;

    /// <summary>Sequences in the batch (each samples a token from the LM head).</summary>
    public int Sequences => Decodes + PrefillSequences;

    /// <summary>A decode of <paramref name="sequences"/> sequences at <paramref name="context"/> cached tokens each.</summary>
    public static LlmBatch Decode(int sequences, double context) => new(sequences, sequences * context, 0, 0, 0, 0);

    /// <summary>A prefill of one whole prompt of <paramref name="tokens"/> tokens (<paramref name="cached"/> of them already cached).</summary>
    public static LlmBatch Prefill(int tokens, int cached = 0)
    {
        var chunk = tokens - cached;
        return new(0, 0, chunk, 1, chunk * (cached + ((chunk + 1) / 2.0)), cached);
    }
}

/// <summary>
/// What a serving engine spends beside the model's kernels: a scheduling cost per iteration (fixed, and per sequence
/// in the batch: the CPU work of preparing inputs and sampling) and a cost per request (API, tokenization, streaming
/// the first token), each learned from measured serving runs (<c>data/calibration/serving-overheads.json</c>).
/// </summary>
public sealed record ServingOverheads(double StepSeconds, double SequenceSeconds, double RequestSeconds, string Provenance)
{
    public static readonly ServingOverheads None = new(0, 0, 0, "no serving overheads");
}

/// <summary>
/// One iteration of a generative model as the sum of its operators, on one device of a tensor-parallel group:
/// per layer the two norms, the QKV projection, rotary, attention (prefill chunks and decodes apart), the output
/// projection, the residual add, the gate/up and down projections (or, for a mixture of experts, those of each expert
/// the batch's tokens touch) and the activation, plus two all-reduces under tensor parallelism; once per step the
/// embedding, the final norm and the LM head on each sequence's last token; plus the engine's scheduling overhead.
/// Each operator takes its measured time where the device's tables have its shape (interpolated by tokens), its
/// measured time carried by the devices' published figures where another device's tables have it, and otherwise its
/// class's learned efficiency at the device's figures (<see cref="OperatorEfficiency"/>).
/// </summary>
public sealed class OperatorStepModel : ILlmStepTimes
{
    private readonly LlmModelPreset _model;
    private readonly int _tp;
    private readonly double _weightBytes;
    private readonly double _kvBytes;
    private readonly DeviceFigures _target;
    private readonly OperatorLibrary? _library;
    private readonly OperatorEfficiency _efficiency;
    private readonly bool _measuredHere;
    private readonly ServingOverheads _overheads;
    private readonly LayerDims _dims;
    private readonly double _linkBytesPerSecond;
    private readonly OperatorShape[] _layerShapes;
    private readonly OperatorShape _router;
    private readonly OperatorShape _head;
    private readonly OperatorShape _embedding;
    private readonly OperatorShape _finalNorm;
    private readonly ClassEfficiency _gemm;

    // Attention per layer on one device: FLOPs per query-key pair, KV bytes per cached token, query and output bytes
    // per token; and the GEMM class's seconds per FLOP and per byte at this device's figures.
    private readonly double _attentionFlopsPerPair;
    private readonly double _kvBytesPerTokenPerDevice;
    private readonly double _queryBytesPerToken;
    private readonly double _inverseCompute;
    private readonly double _inverseBandwidth;

    // Dense time by tokens in the batch, and the LM head's by sequences: (seconds, compute-bound seconds), on first use.
    private readonly TimeCache _denseCache;
    private readonly TimeCache _headCache;

    /// <param name="model">The model.</param>
    /// <param name="tensorParallel">Devices per replica.</param>
    /// <param name="bytesPerParameter">The weights' bytes per parameter.</param>
    /// <param name="bytesPerKvElement">The KV cache's bytes per element.</param>
    /// <param name="target">The device's achievable matmul FLOP/s at the weights' precision, bandwidth and link.</param>
    /// <param name="library">Measured tables to look operators up in (the device's own, or another's to carry).</param>
    /// <param name="measuredHere">Whether <paramref name="library"/> was measured on this device at this precision (then its times are used as they are).</param>
    /// <param name="efficiency">Each class's learned efficiency.</param>
    /// <param name="overheads">The engine's overheads.</param>
    public OperatorStepModel(LlmModelPreset model, int tensorParallel, double bytesPerParameter, double bytesPerKvElement, DeviceFigures target,
        OperatorLibrary? library, bool measuredHere, OperatorEfficiency efficiency, ServingOverheads overheads)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(efficiency);
        ArgumentNullException.ThrowIfNull(overheads);
        _model = model;
        _tp = tensorParallel;
        _weightBytes = bytesPerParameter;
        _kvBytes = bytesPerKvElement;
        _target = target;
        _library = library;
        _measuredHere = measuredHere;
        _efficiency = efficiency;
        _overheads = overheads;
        _dims = LayerDims.Of(model);
        _linkBytesPerSecond = target.LinkBytesPerSecond ?? 0;
        _layerShapes = [.. OperatorShapes.LayerOperators.Select(name => OperatorShapes.Of(name, _dims, _tp))];
        _router = OperatorShapes.Gemm(_dims.Hidden, model.Experts, 2);
        _head = OperatorShapes.Gemm(_dims.Hidden, (double)_dims.Vocabulary / _tp, 2);
        _embedding = OperatorShapes.Of(OperatorShapes.Embedding, _dims, _tp);
        _finalNorm = OperatorShapes.Of("input_layernorm", _dims, _tp);
        _gemm = efficiency.Classes[OperatorClass.Gemm];
        // One allocation each for any usual budget (the simulator's hot path then allocates nothing).
        _denseCache = new TimeCache(16_385, ComputeDense);
        _headCache = new TimeCache(4_097, n => Timed(_head, n, weights: true));
        var heads = _dims.Heads / (double)_tp;
        _attentionFlopsPerPair = 4 * heads * _dims.HeadDim;
        _kvBytesPerTokenPerDevice = 2 * Math.Max(1.0, _dims.KvHeads / (double)_tp) * _dims.HeadDim * _kvBytes;
        _queryBytesPerToken = 2 * heads * _dims.HeadDim * 2;
        _inverseCompute = 1 / (_gemm.ComputeShare * target.FlopsPerSecond);
        _inverseBandwidth = 1 / (_gemm.MemoryShare * target.BytesPerSecond);
    }

    /// <summary>The same step with other engine overheads (the operator tables and learned efficiencies shared).</summary>
    public OperatorStepModel WithOverheads(ServingOverheads overheads)
    {
        ArgumentNullException.ThrowIfNull(overheads);
        var source = Provenance.Replace("; " + _overheads.Provenance, string.Empty, StringComparison.Ordinal);
        return new(_model, _tp, _weightBytes, _kvBytes, _target, _library, _measuredHere, _efficiency, overheads)
        {
            Provenance = overheads.Provenance.Length > 0 ? $"{source}; {overheads.Provenance}" : source,
        };
    }

    public LlmModelPreset Model => _model;

    public int TensorParallel => _tp;

    public ServingOverheads Overheads => _overheads;

    public double RequestOverheadSeconds => _overheads.RequestSeconds;

    /// <summary>Where the times come from, in words.</summary>
    public string Provenance { get; init; } = string.Empty;

    /// <summary>The device figures the step runs at (achievable matmul FLOP/s at the weights' precision, bandwidth, link).</summary>
    public DeviceFigures Target => _target;

    /// <summary>The GEMMs' learned efficiency (the shares of achievable matmul and bandwidth they reach).</summary>
    public ClassEfficiency GemmEfficiency => _efficiency.Classes[OperatorClass.Gemm];

    /// <summary>The weights one device of the replica holds, bytes.</summary>
    public double WeightBytesPerDevice => _model.Parameters * _weightBytes / _tp;

    /// <summary>KV-cache bytes per token of the whole replica.</summary>
    public double KvBytesPerToken => _model.KvBytesPerToken(_kvBytes);

    /// <summary>"compute" when most of the step's kernel time is compute-bound, else "memory".</summary>
    public string Bound(in LlmBatch batch)
    {
        var tokens = (int)Math.Round(batch.Tokens);
        if (tokens <= 0)
        {
            return "memory";
        }

        var (dense, denseCompute) = Dense(tokens);
        var (attention, attentionCompute) = Attention(batch);
        return denseCompute + attentionCompute >= 0.5 * (dense + attention) ? "compute" : "memory";
    }

    public double StepSeconds(in LlmBatch batch) => Iteration(batch).Seconds;

    public (double Seconds, double Activity) Iteration(in LlmBatch batch)
    {
        var tokens = (int)Math.Round(batch.Tokens);
        if (tokens <= 0)
        {
            return (0, 0);
        }

        var (dense, denseCompute) = Dense(tokens);
        var (attention, attentionCompute) = Attention(batch);
        var (head, headCompute) = Head(batch.Sequences);
        var kernels = dense + attention + head;
        var overhead = _overheads.StepSeconds + (_overheads.SequenceSeconds * batch.Sequences);
        var seconds = kernels + overhead;
        var compute = denseCompute + attentionCompute + headCompute;
        return (seconds, Economics.PowerModel.Activity(compute, kernels - compute, seconds));
    }

    /// <summary>The kernels' seconds of a step alone, without the engine's overhead, split by operator (for reports and tests).</summary>
    public IReadOnlyList<(string Operator, double Seconds)> Breakdown(in LlmBatch batch)
    {
        var tokens = batch.Tokens;
        var rows = new List<(string, double)>();
        foreach (var name in OperatorShapes.LayerOperators)
        {
            rows.Add((name, _model.Layers * LayerOperator(name, tokens).Seconds));
        }

        rows.Add(("attention", Attention(batch).Seconds));
        rows.Add(("all_reduce", _model.Layers * 2 * AllReduce(tokens)));
        rows.Add(("emb", Timed(_embedding, tokens, weights: false).Seconds));
        rows.Add(("final_norm", Timed(_finalNorm, tokens, weights: false).Seconds));
        rows.Add(("lm_head", Head(batch.Sequences).Seconds));
        rows.Add(("overhead", _overheads.StepSeconds + (_overheads.SequenceSeconds * batch.Sequences)));
        return rows;
    }

    /// <summary>Seconds of one operator of one layer at <paramref name="tokens"/> (a mixture of experts' feed-forward over the experts the tokens touch).</summary>
    public (double Seconds, double Compute) LayerOperator(string name, double tokens)
    {
        var index = OperatorShapes.LayerOperators.ToList().IndexOf(name);
        return index < 0 ? throw new ArgumentException($"'{name}' is not a layer operator", nameof(name)) : LayerOperator(index, tokens);
    }

    private (double Seconds, double Compute) LayerOperator(int index, double tokens)
    {
        var shape = _layerShapes[index];
        var name = OperatorShapes.LayerOperators[index];
        if (_model.Experts > 1 && name is "mlp_up_proj" or "mlp_act" or "mlp_down_proj")
        {
            // Each token goes to ActiveExperts of Experts: the experts touched, each with its share of the tokens;
            // every touched expert's weights are read.
            var experts = (double)_model.Experts;
            var touched = experts * (1 - Math.Pow(1 - (_model.ActiveExperts / experts), tokens));
            var each = tokens * _model.ActiveExperts / touched;
            var (s, c) = Timed(shape, each, weights: name != "mlp_act");
            var router = name == "mlp_up_proj" ? Timed(_router, tokens, weights: true) : (0, 0);
            return ((touched * s) + router.Item1, (touched * c) + router.Item2);
        }

        return Timed(shape, tokens, weights: shape.Class == OperatorClass.Gemm);
    }

    private (double Seconds, double Compute) Dense(int tokens) => _denseCache.Get(tokens);

    private (double Seconds, double Compute) ComputeDense(int tokens)
    {
        double layerSeconds = 0, layerCompute = 0;
        for (var i = 0; i < _layerShapes.Length; i++)
        {
            var (s, c) = LayerOperator(i, tokens);
            layerSeconds += s;
            layerCompute += c;
        }

        layerSeconds += 2 * AllReduce(tokens);
        var (emb, _) = Timed(_embedding, tokens, weights: false);
        var (norm, _) = Timed(_finalNorm, tokens, weights: false);
        return ((_model.Layers * layerSeconds) + emb + norm, _model.Layers * layerCompute);
    }

    /// <summary>The LM head on each sequence's last token (cached by sequences).</summary>
    private (double Seconds, double Compute) Head(int sequences) => sequences <= 0 ? (0, 0) : _headCache.Get(sequences);

    /// <summary>
    /// Attention of one step over all layers: decodes read their cached keys and values; prefill chunks compute their
    /// query-key pairs and read the cached past; both write the new tokens' keys and values. No measured table holds
    /// attention kernels: they run at the GEMMs' learned shares of compute and bandwidth (stated).
    /// </summary>
    private (double Seconds, double Compute) Attention(in LlmBatch batch)
    {
        double seconds = 0, compute = 0;
        if (batch.Decodes > 0)
        {
            var attended = batch.DecodeContextTokens + batch.Decodes;
            var c = _attentionFlopsPerPair * attended * _inverseCompute;
            var m = ((attended * _kvBytesPerTokenPerDevice) + (batch.Decodes * _queryBytesPerToken)) * _inverseBandwidth;
            var roofline = Math.Sqrt((c * c) + (m * m));
            seconds += _gemm.FixedSeconds + roofline;
            compute += (_gemm.FixedSeconds + roofline) * (c / (c + m));
        }

        if (batch.PrefillTokens > 0)
        {
            var c = _attentionFlopsPerPair * batch.PrefillAttentionPairs * _inverseCompute;
            var m = ((batch.PrefillTokens * (_queryBytesPerToken + _kvBytesPerTokenPerDevice)) + (batch.PrefillPastTokens * _kvBytesPerTokenPerDevice)) * _inverseBandwidth;
            var roofline = Math.Sqrt((c * c) + (m * m));
            seconds += _gemm.FixedSeconds + roofline;
            compute += (_gemm.FixedSeconds + roofline) * (c / (c + m));
        }

        return (_model.Layers * seconds, _model.Layers * compute);
    }

    /// <summary>
    /// One all-reduce of the hidden state of <paramref name="tokens"/> tokens over the group: the links' floor plus the
    /// ring's bytes at the share of the link learned from the measured NCCL curves (see <see cref="CollectiveEfficiency"/>).
    /// </summary>
    private double AllReduce(double tokens)
    {
        if (_tp <= 1)
        {
            return 0;
        }

        var bytes = tokens * _dims.Hidden * 2;
        return _efficiency.AllReduce is { } ar && _linkBytesPerSecond > 0 ? ar.Seconds(bytes, _tp, _linkBytesPerSecond) : 0;
    }

    /// <summary>
    /// One operator's seconds at <paramref name="tokens"/> and its compute-bound part: measured here as measured;
    /// measured elsewhere carried as fixed + (measured − fixed) × roofline(here) / roofline(there); otherwise the
    /// class's learned efficiency at this device's figures.
    /// </summary>
    private (double Seconds, double Compute) Timed(OperatorShape shape, double tokens, bool weights)
    {
        var cls = _efficiency.Classes.TryGetValue(shape.Class, out var learned) ? learned : _efficiency.Classes[OperatorClass.Gemm];
        var flops = shape.Flops(tokens);
        var bytes = ((weights ? _weightBytes / 2 : 1) * shape.BytesFixed) + (shape.BytesPerToken * tokens);
        var fraction = cls.ComputeFraction(flops, bytes, _target);
        double seconds;
        if (_library is not null && _library.TryGetCurve(shape, out var curve))
        {
            var measured = curve.At(tokens);
            if (_measuredHere)
            {
                seconds = measured;
            }
            else
            {
                // The fixed cost stays; the rest scales with the roofline. A kernel measured below the class's fixed
                // cost is all fixed cost: it keeps its time.
                var there = cls.Roofline(flops, shape.Bytes(tokens), _efficiency.Source);
                seconds = there <= 0 || measured <= cls.FixedSeconds
                    ? measured
                    : cls.FixedSeconds + ((measured - cls.FixedSeconds) * cls.Roofline(flops, bytes, _target) / there);
            }
        }
        else
        {
            seconds = cls.Seconds(flops, bytes, _target);
        }

        return (seconds, seconds * fraction);
    }
}

/// <summary>
/// Times by a whole-number key (tokens, sequences), computed on first use and kept: one array, grown by doubling under
/// a lock; readers take no lock (an entry is published by writing its seconds last).
/// </summary>
internal sealed class TimeCache(int initialLength, Func<int, (double Seconds, double Compute)> compute)
{
    private Entry[] _entries = [];
    private readonly Lock _grow = new();

    public (double Seconds, double Compute) Get(int key)
    {
        var entries = _entries;
        if (key < entries.Length)
        {
            var seconds = Volatile.Read(ref entries[key].Seconds);
            if (!double.IsNaN(seconds))
            {
                return (seconds, entries[key].Compute);
            }
        }

        lock (_grow)
        {
            if (key >= _entries.Length)
            {
                var grown = new Entry[Math.Max(key + 1, Math.Max(initialLength, _entries.Length * 2))];
                Array.Fill(grown, new Entry { Seconds = double.NaN });
                Array.Copy(_entries, grown, _entries.Length);
                _entries = grown;
            }

            var (s, c) = compute(key);
            _entries[key].Compute = c;
            Volatile.Write(ref _entries[key].Seconds, s);
            return (s, c);
        }
    }

    private struct Entry
    {
        public double Seconds;
        public double Compute;
    }
}
