using InferencePlanner.Calibration.Onnx.Proto;

namespace InferencePlanner.Calibration.Costs;

/// <summary>What the roofline treats alike: an operator's class decides its achievable share of peak.</summary>
public enum OpClass
{
    /// <summary>Matrix products with a weight (dense layers, projections).</summary>
    Matmul,

    /// <summary>Matrix products of two activations (attention scores and context).</summary>
    AttentionMatmul,

    Conv,
    DepthwiseConv,
    Elementwise,
    Normalization,
    Softmax,
    Pooling,

    /// <summary>Copies (transpose, concatenation); reshapes and flattens are free views.</summary>
    DataMovement,
}

/// <summary>One operator's work: multiply-accumulates, other floating-point operations, and bytes moved.</summary>
public sealed record OpCost(string Node, string OpType, OpClass Class, double Macs, double Flops, double Bytes, IReadOnlyList<long> OutputShape)
{
    /// <summary>Total floating-point operations: 2 per multiply-accumulate plus the others.</summary>
    public double TotalFlops => (2 * Macs) + Flops;
}

/// <summary>
/// Counts a graph's work by propagating shapes from bound inputs through its nodes. Conventions (the same
/// in the hand counts that check it): a multiply-accumulate is 2 FLOPs; a bias or residual add, a ReLU or
/// a clip is 1 FLOP per output element; Softmax 5, LayerNormalization 8, Gelu 8, Sigmoid 4 per element.
/// Bytes are each operator's inputs and outputs at the element size (no fusion, no cache reuse): the
/// roofline's memory traffic. Unsupported operators are reported, not guessed.
/// </summary>
public sealed class GraphCost
{
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _int64Constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _initializers = new(StringComparer.Ordinal);
    private readonly int _elementBytes;

    private GraphCost(int elementBytes) => _elementBytes = elementBytes;

    public IReadOnlyList<OpCost> Ops { get; private set; } = [];
    public IReadOnlyList<string> Unsupported { get; private set; } = [];

    /// <summary>Bytes of the weights (float initializers of rank ≥ 1).</summary>
    public double WeightBytes { get; private set; }

    public double Macs => Ops.Sum(o => o.Macs);
    public double TotalFlops => Ops.Sum(o => o.TotalFlops);
    public double Bytes => Ops.Sum(o => o.Bytes);

    /// <summary>Output shapes of the graph's named values, after propagation.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes => _shapes;

    /// <summary>
    /// Counts <paramref name="model"/>'s work with its symbolic dimensions bound (e.g. batch = 8) or its inputs'
    /// shapes given outright. <paramref name="elementBytes"/>: 4 for fp32, 2 for fp16/bf16, 1 for fp8/int8.
    /// </summary>
    public static GraphCost Analyze(ModelProto model, IReadOnlyDictionary<string, long[]>? inputShapes = null,
        IReadOnlyDictionary<string, long>? bindings = null, int elementBytes = 4)
    {
        ArgumentNullException.ThrowIfNull(model);
        var cost = new GraphCost(elementBytes);
        cost.Run(model.Graph, inputShapes, bindings);
        return cost;
    }

    private void Run(GraphProto graph, IReadOnlyDictionary<string, long[]>? inputShapes, IReadOnlyDictionary<string, long>? bindings)
    {
        foreach (var init in graph.Initializer)
        {
            _initializers.Add(init.Name);
            _shapes[init.Name] = [.. init.Dims];
            if (init.DataType == (int)TensorProto.Types.DataType.Int64)
            {
                _int64Constants[init.Name] = init.Int64Data.Count > 0
                    ? [.. init.Int64Data]
                    : Enumerable.Range(0, init.RawData.Length / 8).Select(i => BitConverter.ToInt64(init.RawData.Span.Slice(i * 8, 8))).ToArray();
            }
            else if (init.Dims.Count > 0 && init.DataType is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Float16 or (int)TensorProto.Types.DataType.Bfloat16)
            {
                // Scalars (scales, clip bounds) are constants, not weights.
                WeightBytes += Elements(_shapes[init.Name]) * _elementBytes;
            }
        }

        foreach (var input in graph.Input)
        {
            if (_initializers.Contains(input.Name))
            {
                continue;
            }

            if (inputShapes is not null && inputShapes.TryGetValue(input.Name, out var given))
            {
                _shapes[input.Name] = given;
                continue;
            }

            var dims = input.Type?.TensorType?.Shape?.Dim ?? throw new InvalidOperationException($"input '{input.Name}' has no shape");
            _shapes[input.Name] = dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
                ? d.DimValue
                : bindings is not null && bindings.TryGetValue(d.DimParam, out var bound)
                    ? bound
                    : throw new InvalidOperationException($"input '{input.Name}': bind dimension '{d.DimParam}'")).ToArray();
        }

        var ops = new List<OpCost>();
        var unsupported = new List<string>();
        foreach (var node in graph.Node)
        {
            var op = Evaluate(node);
            if (op is null)
            {
                unsupported.Add($"{node.Name} ({node.OpType})");
                continue;
            }

            ops.Add(op);
        }

        Ops = ops;
        Unsupported = unsupported;
    }

    private OpCost? Evaluate(NodeProto node)
    {
        long[] In(int i) => _shapes.TryGetValue(node.Input[i], out var s) ? s : throw new InvalidOperationException($"{node.Name}: unknown shape of '{node.Input[i]}'");
        double Bytes(params long[][] shapes) => shapes.Sum(s => Elements(s)) * _elementBytes;
        OpCost Done(OpClass c, double macs, double flops, double bytes, long[] output)
        {
            _shapes[node.Output[0]] = output;
            return new OpCost(node.Name, node.OpType, c, macs, flops, bytes, output);
        }

        switch (node.OpType)
        {
            case "MatMul":
            {
                var (a, b) = (In(0), In(1));
                var output = MatMulShape(a, b);
                var k = a[^1];
                var macs = (double)Elements(output) * k;
                var weighted = _initializers.Contains(node.Input[1]) || _initializers.Contains(node.Input[0]);
                return Done(weighted ? OpClass.Matmul : OpClass.AttentionMatmul, macs, 0, Bytes(a, b, output), output);
            }

            case "Gemm":
            {
                var (a, b) = (In(0), In(1));
                var transA = Int(node, "transA", 0) == 1;
                var transB = Int(node, "transB", 0) == 1;
                var (m, k) = transA ? (a[1], a[0]) : (a[0], a[1]);
                var n = transB ? b[0] : b[1];
                long[] output = [m, n];
                var bias = node.Input.Count > 2 ? m * n : 0;
                return Done(OpClass.Matmul, (double)m * k * n, bias, Bytes(a, b, output) + (node.Input.Count > 2 ? Elements(In(2)) * _elementBytes : 0), output);
            }

            case "Conv":
            {
                var (x, w) = (In(0), In(1));
                var group = Int(node, "group", 1);
                var kernel = Ints(node, "kernel_shape") ?? [w[2], w[3]];
                var strides = Ints(node, "strides") ?? [1, 1];
                var pads = Ints(node, "pads") ?? [0, 0, 0, 0];
                var h = ((x[2] + pads[0] + pads[2] - kernel[0]) / strides[0]) + 1;
                var wd = ((x[3] + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1;
                long[] output = [x[0], w[0], h, wd];
                var macs = (double)Elements(output) * w[1] * kernel[0] * kernel[1];
                var bias = node.Input.Count > 2 ? Elements(output) : 0;
                var cls = group > 1 && group == x[1] ? OpClass.DepthwiseConv : OpClass.Conv;
                return Done(cls, macs, bias, Bytes(x, w, output) + (node.Input.Count > 2 ? Elements(In(2)) * _elementBytes : 0), output);
            }

            case "MaxPool" or "AveragePool":
            {
                var x = In(0);
                var kernel = Ints(node, "kernel_shape")!;
                var strides = Ints(node, "strides") ?? [1, 1];
                var pads = Ints(node, "pads") ?? [0, 0, 0, 0];
                long[] output = [x[0], x[1], ((x[2] + pads[0] + pads[2] - kernel[0]) / strides[0]) + 1, ((x[3] + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1];
                return Done(OpClass.Pooling, 0, (double)Elements(output) * kernel[0] * kernel[1], Bytes(x, output), output);
            }

            case "GlobalAveragePool":
            {
                var x = In(0);
                long[] output = [x[0], x[1], 1, 1];
                return Done(OpClass.Pooling, 0, Elements(x), Bytes(x, output), output);
            }

            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Max" or "Min":
            {
                var shapes = node.Input.Select((_, i) => In(i)).ToArray();
                var output = Broadcast(shapes);
                return Done(OpClass.Elementwise, 0, Elements(output), Bytes([.. shapes, output]), output);
            }

            case "Relu" or "Clip" or "Sigmoid" or "Tanh" or "Erf" or "Sqrt" or "Gelu" or "Exp" or "Neg" or "Identity":
            {
                var x = In(0);
                var perElement = node.OpType switch { "Gelu" => 8, "Sigmoid" => 4, "Tanh" => 4, "Erf" => 4, "Exp" => 4, "Identity" => 0, _ => 1 };
                return Done(OpClass.Elementwise, 0, (double)Elements(x) * perElement, Bytes(x, x), x);
            }

            case "Softmax":
            {
                var x = In(0);
                return Done(OpClass.Softmax, 0, 5.0 * Elements(x), Bytes(x, x), x);
            }

            case "LayerNormalization" or "BatchNormalization":
            {
                var x = In(0);
                var parameters = node.Input.Skip(1).Select((_, i) => In(i + 1)).ToArray();
                return Done(OpClass.Normalization, 0, 8.0 * Elements(x), Bytes([x, .. parameters, x]), x);
            }

            case "Transpose":
            {
                var x = In(0);
                var perm = Ints(node, "perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
                var output = perm.Select(p => x[p]).ToArray();
                return Done(OpClass.DataMovement, 0, 0, Bytes(x, output), output);
            }

            case "Concat":
            {
                var shapes = node.Input.Select((_, i) => In(i)).ToArray();
                var axis = (int)Int(node, "axis", 0);
                if (axis < 0)
                {
                    axis += shapes[0].Length;
                }

                var output = (long[])shapes[0].Clone();
                output[axis] = shapes.Sum(s => s[axis]);
                return Done(OpClass.DataMovement, 0, 0, Bytes([.. shapes, output]), output);
            }

            case "Reshape":
            {
                var x = In(0);
                if (!_int64Constants.TryGetValue(node.Input[1], out var target))
                {
                    return null;
                }

                var output = target.Select((d, i) => d == 0 ? x[i] : d).ToArray();
                var known = output.Where(d => d > 0).Aggregate(1L, (p, d) => p * d);
                output = output.Select(d => d == -1 ? Elements(x) / known : d).ToArray();
                return Done(OpClass.DataMovement, 0, 0, 0, output);
            }

            case "Flatten":
            {
                var x = In(0);
                var axis = (int)Int(node, "axis", 1);
                long[] output = [x.Take(axis).Aggregate(1L, (p, d) => p * d), x.Skip(axis).Aggregate(1L, (p, d) => p * d)];
                return Done(OpClass.DataMovement, 0, 0, 0, output);
            }

            default:
                return null;
        }
    }

    private static long[] MatMulShape(long[] a, long[] b)
    {
        var batchA = a[..^2];
        var batchB = b.Length > 2 ? b[..^2] : [];
        return [.. Broadcast([batchA, batchB]), a[^2], b[^1]];
    }

    private static long[] Broadcast(long[][] shapes)
    {
        var rank = shapes.Max(s => s.Length);
        var output = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            long d = 1;
            foreach (var s in shapes)
            {
                var j = i - (rank - s.Length);
                if (j >= 0 && s[j] != 1)
                {
                    d = s[j];
                }
            }

            output[i] = d;
        }

        return output;
    }

    private static long Elements(long[] shape) => shape.Aggregate(1L, (p, d) => p * d);

    private static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    private static long[]? Ints(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? [.. a.Ints] : null;
}
