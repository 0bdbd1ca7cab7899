using InferencePlanner.Calibration.Onnx.Proto;

namespace InferencePlanner.Calibration.Models;

/// <summary>What a zoo model is, with the shapes its inputs take for a batch.</summary>
public sealed record ZooModel(
    string Name,
    ModelProto Proto,
    long Parameters,
    string Description,
    Func<int, IReadOnlyDictionary<string, long[]>> InputShapes)
{
    /// <summary>Symbolic dimensions bound for a batch (the cost model's bindings).</summary>
    public Func<int, IReadOnlyDictionary<string, long>> Bindings { get; init; } = batch => new Dictionary<string, long> { ["batch"] = batch };
}

/// <summary>
/// The models the planner builds from parameters: random weights, a dynamic batch dimension, float32.
/// Names follow DESIGN's zoo: <c>mlp</c>, <c>bert-base</c> (sequence 128), <c>bert-large</c> (sequence 384),
/// <c>resnet50</c> (224×224), <c>mobilenet-v2</c>, <c>llm-block</c>.
/// </summary>
public static class ModelZoo
{
    public static readonly string[] Names = ["mlp", "bert-base", "bert-large", "resnet50", "mobilenet-v2", "llm-block"];

    /// <summary>The dimensions a zoo model lets a caller set (<c>project --dim NAME=VALUE</c>), with their defaults.</summary>
    public static IReadOnlyDictionary<string, int> Dimensions(string name) => name switch
    {
        "bert-base" => new Dictionary<string, int> { ["sequence"] = 128 },
        "bert-large" => new Dictionary<string, int> { ["sequence"] = 384 },
        _ => new Dictionary<string, int>(),
    };

    /// <summary>
    /// A zoo model with some of its dimensions set (an encoder's sequence: run it at its effective length rather than
    /// padded); an unknown dimension or an absurd value is an <see cref="ArgumentException"/> naming it.
    /// </summary>
    public static ZooModel Create(string name, IReadOnlyDictionary<string, int>? dimensions, bool shapesOnly = false)
    {
        if (dimensions is null || dimensions.Count == 0)
        {
            return Create(name, shapesOnly);
        }

        var known = Dimensions(name);
        foreach (var (dim, value) in dimensions)
        {
            if (!known.ContainsKey(dim))
            {
                throw new ArgumentException(known.Count == 0
                    ? $"'{dim}' is not a dimension of {name} (it has none to set)"
                    : $"'{dim}' is not a dimension of {name} (it has: {string.Join(", ", known.Keys)})", nameof(dimensions));
            }

            if (value is < 1 or > 65_536)
            {
                throw new ArgumentException($"{dim} must be from 1 to 65,536", nameof(dimensions));
            }
        }

        return name switch
        {
            "bert-base" => Bert("bert-base", layers: 12, hidden: 768, heads: 12, sequence: dimensions["sequence"], shapesOnly: shapesOnly),
            _ => Bert("bert-large", layers: 24, hidden: 1024, heads: 16, sequence: dimensions["sequence"], shapesOnly: shapesOnly),
        };
    }

    /// <summary>A zoo model; <paramref name="shapesOnly"/> leaves the weights' values out (for counting work, not running).</summary>
    public static ZooModel Create(string name, bool shapesOnly = false) => name switch
    {
        "mlp" => Mlp([1024, 4096, 4096, 1024], shapesOnly: shapesOnly),
        "bert-base" => Bert("bert-base", layers: 12, hidden: 768, heads: 12, sequence: 128, shapesOnly: shapesOnly),
        "bert-large" => Bert("bert-large", layers: 24, hidden: 1024, heads: 16, sequence: 384, shapesOnly: shapesOnly),
        "resnet50" => ResNet50(shapesOnly: shapesOnly),
        "mobilenet-v2" => MobileNetV2(shapesOnly: shapesOnly),
        "llm-block" => LlmBlock(new LlmBlockConfig(), shapesOnly: shapesOnly),
        _ => throw new ArgumentException($"'{name}' is not a zoo model (one of {string.Join(", ", Names)})", nameof(name)),
    };

    /// <summary>Fully connected layers with ReLU between them: sizes[0] inputs, sizes[^1] outputs.</summary>
    public static ZooModel Mlp(IReadOnlyList<int> sizes, ulong seed = 1, IReadOnlyList<float[]>? weights = null, IReadOnlyList<float[]>? biases = null, bool shapesOnly = false)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var g = new GraphBuilder("mlp", seed, shapesOnly);
        var x = g.Input("input", "batch", sizes[0]);
        for (var i = 0; i + 1 < sizes.Count; i++)
        {
            long[] wShape = [sizes[i], sizes[i + 1]];
            var w = weights is null ? g.Weight($"w{i}", wShape, 1f / MathF.Sqrt(sizes[i])) : g.Weight($"w{i}", wShape, weights[i]);
            var b = biases is null ? g.Weight($"b{i}", [sizes[i + 1]], 0.01f) : g.Weight($"b{i}", [sizes[i + 1]], biases[i]);
            x = g.Node("Add", [g.Node("MatMul", [x, w]), b]);
            if (i + 2 < sizes.Count)
            {
                x = g.Node("Relu", [x]);
            }
        }

        g.Rename(x, "output");
        g.Output("output", "batch", sizes[^1]);
        return new ZooModel("mlp", g.Build($"MLP {string.Join("-", sizes)}"), g.ParameterCount,
            $"multilayer perceptron {string.Join("→", sizes)}, ReLU", b => new Dictionary<string, long[]> { ["input"] = [b, sizes[0]] });
    }

    /// <summary>
    /// A BERT encoder stack on hidden states [batch, sequence, hidden]: per layer, Q/K/V projections,
    /// scaled dot-product attention (MatMul, Softmax), output projection, residual and LayerNormalization,
    /// then a 4× feed-forward with Gelu, residual and LayerNormalization (post-norm, as BERT).
    /// </summary>
    public static ZooModel Bert(string name, int layers, int hidden, int heads, int sequence, ulong seed = 2, bool shapesOnly = false)
    {
        var g = new GraphBuilder(name, seed, shapesOnly);
        var head = hidden / heads;
        var ffn = 4 * hidden;
        var x = g.Input("hidden_states", "batch", sequence, hidden);
        var toHeads = g.Int64s("to_heads", 0, 0, heads, head);
        var toHidden = g.Int64s("to_hidden", 0, 0, hidden);
        var scale = g.Scalar("scale", 1f / MathF.Sqrt(head));
        for (var l = 0; l < layers; l++)
        {
            string Project(string input, string what, int outputs) =>
                g.Node("Add", [g.Node("MatMul", [input, g.Weight($"l{l}_{what}_w", [hidden, outputs])]), g.Weight($"l{l}_{what}_b", [outputs])]);

            string Heads(string projected) => g.Node("Transpose", [g.Node("Reshape", [projected, toHeads])], ("perm", new long[] { 0, 2, 1, 3 }));

            var q = Heads(Project(x, "q", hidden));
            var k = g.Node("Transpose", [g.Node("Reshape", [Project(x, "k", hidden), toHeads])], ("perm", new long[] { 0, 2, 3, 1 }));
            var v = Heads(Project(x, "v", hidden));
            var scores = g.Node("Mul", [g.Node("MatMul", [q, k]), scale]);
            var probabilities = g.Node("Softmax", [scores], ("axis", -1L));
            var context = g.Node("Reshape", [g.Node("Transpose", [g.Node("MatMul", [probabilities, v])], ("perm", new long[] { 0, 2, 1, 3 })), toHidden]);
            var attention = Project(context, "o", hidden);
            x = g.Node("LayerNormalization", [g.Node("Add", [x, attention]), g.Weight($"l{l}_ln1_g", [hidden], 1f), g.Weight($"l{l}_ln1_b", [hidden])], ("axis", -1L), ("epsilon", 1e-12f));
            var up = g.Node("Gelu", [Project(x, "ffn_up", ffn)]);
            var down = g.Node("Add", [g.Node("MatMul", [up, g.Weight($"l{l}_ffn_down_w", [ffn, hidden])]), g.Weight($"l{l}_ffn_down_b", [hidden])]);
            x = g.Node("LayerNormalization", [g.Node("Add", [x, down]), g.Weight($"l{l}_ln2_g", [hidden], 1f), g.Weight($"l{l}_ln2_b", [hidden])], ("axis", -1L), ("epsilon", 1e-12f));
        }

        g.Rename(x, "output");
        g.Output("output", "batch", sequence, hidden);
        return new ZooModel(name, g.Build($"{name}: {layers} encoder layers, hidden {hidden}, {heads} heads, sequence {sequence}"), g.ParameterCount,
            $"BERT encoder, {layers} layers, hidden {hidden}, {heads} heads, sequence {sequence}",
            b => new Dictionary<string, long[]> { ["hidden_states"] = [b, sequence, hidden] });
    }

    /// <summary>
    /// ResNet-50 v1.5 at 224×224: a 7×7/2 stem, max pooling, bottleneck blocks [3, 4, 6, 3] (stride on the 3×3
    /// convolution), global average pooling and a 1000-way classifier. Batch normalisation is folded into
    /// the convolutions' biases, as inference engines do.
    /// </summary>
    public static ZooModel ResNet50(ulong seed = 3, bool shapesOnly = false)
    {
        var g = new GraphBuilder("resnet50", seed, shapesOnly);
        var x = g.Input("image", "batch", 3, 224, 224);
        x = g.Node("Relu", [Conv(g, x, 3, 64, 7, 2, 3)]);
        x = g.Node("MaxPool", [x], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        var channels = 64;
        int[] blocks = [3, 4, 6, 3];
        int[] widths = [64, 128, 256, 512];
        for (var stage = 0; stage < 4; stage++)
        {
            for (var block = 0; block < blocks[stage]; block++)
            {
                var stride = stage > 0 && block == 0 ? 2 : 1;
                var width = widths[stage];
                var output = width * 4;
                var y = g.Node("Relu", [Conv(g, x, channels, width, 1, 1, 0)]);
                y = g.Node("Relu", [Conv(g, y, width, width, 3, stride, 1)]);
                y = Conv(g, y, width, output, 1, 1, 0);
                var shortcut = block == 0 ? Conv(g, x, channels, output, 1, stride, 0) : x;
                x = g.Node("Relu", [g.Node("Add", [y, shortcut])]);
                channels = output;
            }
        }

        x = g.Node("Flatten", [g.Node("GlobalAveragePool", [x])], ("axis", 1L));
        x = g.Node("Gemm", [x, g.Weight("fc_w", [2048, 1000]), g.Weight("fc_b", [1000])]);
        g.Rename(x, "logits");
        g.Output("logits", "batch", 1000);
        return new ZooModel("resnet50", g.Build("ResNet-50 v1.5, 224×224, batch normalisation folded"), g.ParameterCount,
            "ResNet-50 v1.5, 224×224", b => new Dictionary<string, long[]> { ["image"] = [b, 3, 224, 224] });
    }

    /// <summary>
    /// MobileNetV2 (width 1.0) at 224×224: inverted residual blocks of expansion, depthwise 3×3 convolution
    /// (group = channels) and linear projection, with ReLU6 (Clip 0..6).
    /// </summary>
    public static ZooModel MobileNetV2(ulong seed = 4, bool shapesOnly = false)
    {
        var g = new GraphBuilder("mobilenet-v2", seed, shapesOnly);
        var zero = g.Scalar("zero", 0f);
        var six = g.Scalar("six", 6f);
        string Relu6(string input) => g.Node("Clip", [input, zero, six]);

        var x = g.Input("image", "batch", 3, 224, 224);
        x = Relu6(Conv(g, x, 3, 32, 3, 2, 1));
        var channels = 32;
        int[][] settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
        foreach (var s in settings)
        {
            var (t, c, n, firstStride) = (s[0], s[1], s[2], s[3]);
            for (var i = 0; i < n; i++)
            {
                var stride = i == 0 ? firstStride : 1;
                var hidden = channels * t;
                var y = t == 1 ? x : Relu6(Conv(g, x, channels, hidden, 1, 1, 0));
                y = Relu6(Conv(g, y, hidden, hidden, 3, stride, 1, group: hidden));
                y = Conv(g, y, hidden, c, 1, 1, 0);
                x = stride == 1 && channels == c ? g.Node("Add", [x, y]) : y;
                channels = c;
            }
        }

        x = Relu6(Conv(g, x, channels, 1280, 1, 1, 0));
        x = g.Node("Flatten", [g.Node("GlobalAveragePool", [x])], ("axis", 1L));
        x = g.Node("Gemm", [x, g.Weight("fc_w", [1280, 1000]), g.Weight("fc_b", [1000])]);
        g.Rename(x, "logits");
        g.Output("logits", "batch", 1000);
        return new ZooModel("mobilenet-v2", g.Build("MobileNetV2 1.0, 224×224"), g.ParameterCount,
            "MobileNetV2 1.0, 224×224 (depthwise convolutions)", b => new Dictionary<string, long[]> { ["image"] = [b, 3, 224, 224] });
    }

    /// <summary>
    /// A decoder-only block stack with a KV cache, for prefill (many new tokens) and decode (one new token)
    /// steps: per layer, LayerNormalization, Q/K/V projections, the new K/V concatenated to the past ones
    /// (returned as the present cache), masked scaled dot-product attention, output projection and residual,
    /// then LayerNormalization and a SwiGLU feed-forward (gate, up, down) with residual.
    /// Inputs: <c>hidden_states</c> [batch, tokens, hidden], <c>attention_mask</c> [1, 1, tokens, past+tokens]
    /// (additive), and <c>past_key_i</c> / <c>past_value_i</c> [batch, heads, past, head] per layer.
    /// </summary>
    public static ZooModel LlmBlock(LlmBlockConfig config, ulong seed = 5, bool shapesOnly = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (layers, hidden, heads, ffn) = (config.Layers, config.Hidden, config.Heads, config.FeedForward);
        var head = hidden / heads;
        var g = new GraphBuilder("llm-block", seed, shapesOnly);
        var x = g.Input("hidden_states", "batch", "tokens", hidden);
        var mask = g.Input("attention_mask", 1, 1, "tokens", "total");
        var toHeads = g.Int64s("to_heads", 0, 0, heads, head);
        var toHidden = g.Int64s("to_hidden", 0, 0, hidden);
        var scale = g.Scalar("scale", 1f / MathF.Sqrt(head));
        for (var l = 0; l < layers; l++)
        {
            var pastKey = g.Input($"past_key_{l}", "batch", heads, "past", head);
            var pastValue = g.Input($"past_value_{l}", "batch", heads, "past", head);
            var normed = g.Node("LayerNormalization", [x, g.Weight($"l{l}_ln1_g", [hidden], 1f), g.Weight($"l{l}_ln1_b", [hidden])], ("axis", -1L), ("epsilon", 1e-5f));
            string Heads(string what) => g.Node("Transpose", [g.Node("Reshape", [g.Node("MatMul", [normed, g.Weight($"l{l}_{what}", [hidden, hidden])]), toHeads])], ("perm", new long[] { 0, 2, 1, 3 }));
            var q = Heads("wq");
            var key = g.Rename(g.Node("Concat", [pastKey, Heads("wk")], ("axis", 2L)), $"present_key_{l}");
            var value = g.Rename(g.Node("Concat", [pastValue, Heads("wv")], ("axis", 2L)), $"present_value_{l}");
            var scores = g.Node("Add", [g.Node("Mul", [g.Node("MatMul", [q, g.Node("Transpose", [key], ("perm", new long[] { 0, 1, 3, 2 }))]), scale]), mask]);
            var context = g.Node("MatMul", [g.Node("Softmax", [scores], ("axis", -1L)), value]);
            context = g.Node("Reshape", [g.Node("Transpose", [context], ("perm", new long[] { 0, 2, 1, 3 })), toHidden]);
            x = g.Node("Add", [x, g.Node("MatMul", [context, g.Weight($"l{l}_wo", [hidden, hidden])])]);
            var normed2 = g.Node("LayerNormalization", [x, g.Weight($"l{l}_ln2_g", [hidden], 1f), g.Weight($"l{l}_ln2_b", [hidden])], ("axis", -1L), ("epsilon", 1e-5f));
            var gate = g.Node("MatMul", [normed2, g.Weight($"l{l}_w_gate", [hidden, ffn])]);
            var up = g.Node("MatMul", [normed2, g.Weight($"l{l}_w_up", [hidden, ffn])]);
            var swish = g.Node("Mul", [gate, g.Node("Sigmoid", [gate])]);
            x = g.Node("Add", [x, g.Node("MatMul", [g.Node("Mul", [swish, up]), g.Weight($"l{l}_w_down", [ffn, hidden])])]);
            g.Output($"present_key_{l}", "batch", heads, "total", head);
            g.Output($"present_value_{l}", "batch", heads, "total", head);
        }

        g.Rename(x, "output");
        g.Output("output", "batch", "tokens", hidden);
        return new ZooModel("llm-block", g.Build($"decoder block stack: {layers} layers, hidden {hidden}, {heads} heads, feed-forward {ffn}"), g.ParameterCount,
            $"decoder-only block stack with KV cache, {layers} layers, hidden {hidden}, {heads} heads (prefill of {config.Tokens} tokens)",
            b => config.Shapes(b, config.Tokens, 0))
        {
            Bindings = b => new Dictionary<string, long> { ["batch"] = b, ["tokens"] = config.Tokens, ["past"] = 0, ["total"] = config.Tokens },
        };
    }

    private static string Conv(GraphBuilder g, string input, int inChannels, int outChannels, int kernel, int stride, int pad, int group = 1)
    {
        var w = g.Weight("conv_w", [outChannels, inChannels / group, kernel, kernel], 1f / MathF.Sqrt(inChannels / group * kernel * kernel));
        var b = g.Weight("conv_b", [outChannels], 0.01f);
        return g.Node("Conv", [input, w, b],
            ("kernel_shape", new long[] { kernel, kernel }), ("strides", new long[] { stride, stride }),
            ("pads", new long[] { pad, pad, pad, pad }), ("group", (long)group));
    }
}

/// <summary>The llm-block's size: a few layers of a 7B-class decoder by default (hidden 4096, 32 heads).</summary>
public sealed record LlmBlockConfig
{
    public int Layers { get; init; } = 2;
    public int Hidden { get; init; } = 4096;
    public int Heads { get; init; } = 32;
    public int FeedForward { get; init; } = 11008;

    /// <summary>New tokens per step used by the zoo's default profile (a prefill chunk).</summary>
    public int Tokens { get; init; } = 128;

    /// <summary>Input shapes for a step: <paramref name="tokens"/> new tokens after <paramref name="past"/> cached ones.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes(long batch, long tokens, long past)
    {
        var head = Hidden / Heads;
        var shapes = new Dictionary<string, long[]>
        {
            ["hidden_states"] = [batch, tokens, Hidden],
            ["attention_mask"] = [1, 1, tokens, past + tokens],
        };
        for (var l = 0; l < Layers; l++)
        {
            shapes[$"past_key_{l}"] = [batch, Heads, past, head];
            shapes[$"past_value_{l}"] = [batch, Heads, past, head];
        }

        return shapes;
    }
}
