using System.Buffers.Binary;
using Google.Protobuf;
using InferencePlanner.Calibration.Onnx.Proto;

namespace InferencePlanner.Calibration.Models;

/// <summary>
/// Writes an ONNX graph node by node: named inputs with fixed or symbolic dimensions, float weights filled
/// from a seeded generator (speed does not depend on their values), int64 constants, and nodes with their
/// attributes. Names are made unique by a running counter.
/// </summary>
public sealed class GraphBuilder
{
    public const int OpsetVersion = 20;
    public const long IrVersion = 9;

    private readonly GraphProto _graph;
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
    private ulong _state;

    public GraphBuilder(string name, ulong seed = 0x5EED, bool shapesOnly = false)
    {
        _graph = new GraphProto { Name = name };
        _state = seed | 1;
        _shapesOnly = shapesOnly;
    }

    private readonly bool _shapesOnly;

    /// <summary>Number of float parameters added so far.</summary>
    public long ParameterCount { get; private set; }

    /// <summary>A graph input of float32 with dimensions given as numbers (fixed) or strings (symbolic, e.g. "batch").</summary>
    public string Input(string name, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims));
        return name;
    }

    public void Output(string name, params object[] dims) =>
        _graph.Output.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims));

    /// <summary>A float32 initializer of the given shape, uniform in ±<paramref name="scale"/>.</summary>
    public string Weight(string name, long[] dims, float scale = 0.02f)
    {
        var count = dims.Aggregate(1L, (a, d) => a * d);
        if (_shapesOnly)
        {
            // For counting work only: the tensor's shape without its values (not runnable).
            return Initializer(name, dims, [], count);
        }

        var bytes = new byte[checked(count * 4)];
        for (long i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)(i * 4)), ((float)NextUnit() * 2 - 1) * scale);
        }

        return Initializer(name, dims, bytes, count);
    }

    /// <summary>A float32 initializer with the given values (tests, references).</summary>
    public string Weight(string name, long[] dims, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return Initializer(name, dims, bytes, values.Length);
    }

    /// <summary>An int64 constant (shapes, axes), not counted as a parameter.</summary>
    public string Int64s(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.Add(values);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float32 scalar constant (scales, clip bounds), not counted as a parameter.</summary>
    public string Scalar(string name, float value)
    {
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.FloatData.Add(value);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node; returns its (first) output's name.</summary>
    public string Node(string op, string[] inputs, params (string Name, object Value)[] attributes) =>
        NodeWithOutputs(op, inputs, 1, attributes)[0];

    public string[] NodeWithOutputs(string op, string[] inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var node = new NodeProto { OpType = op, Name = Unique(op) };
        node.Input.Add(inputs);
        for (var i = 0; i < outputs; i++)
        {
            node.Output.Add(outputs == 1 ? node.Name : $"{node.Name}_out{i}");
        }

        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(Attribute(name, value));
        }

        _graph.Node.Add(node);
        return [.. node.Output];
    }

    /// <summary>Renames the last node's output (to name a graph output).</summary>
    public string Rename(string output, string name)
    {
        foreach (var node in _graph.Node)
        {
            for (var i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i] == output)
                {
                    node.Output[i] = name;
                }
            }

            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == output)
                {
                    node.Input[i] = name;
                }
            }
        }

        return name;
    }

    public ModelProto Build(string docString)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "InferencePlanner",
            ProducerVersion = typeof(GraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        return model;
    }

    private string Initializer(string name, long[] dims, byte[] bytes, long count)
    {
        var tensor = new TensorProto
        {
            Name = Unique(name),
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = UnsafeByteOperations.UnsafeWrap(bytes),
        };
        tensor.Dims.Add(dims);
        _graph.Initializer.Add(tensor);
        ParameterCount += count;
        return tensor.Name;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int i => new TensorShapeProto.Types.Dimension { DimValue = i },
                long l => new TensorShapeProto.Types.Dimension { DimValue = l },
                _ => throw new ArgumentException($"dimension {d} must be a number or a symbol"),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] ints => WithInts(name, ints),
        int[] ints => WithInts(name, ints.Select(x => (long)x).ToArray()),
        _ => throw new ArgumentException($"attribute {name}: unsupported value {value}"),
    };

    private static AttributeProto WithInts(string name, long[] ints)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.Add(ints);
        return a;
    }

    private string Unique(string name)
    {
        _counters.TryGetValue(name, out var n);
        _counters[name] = n + 1;
        return n == 0 ? name : $"{name}_{n}";
    }

    // xorshift64*: weights only need to be cheap and repeatable.
    private double NextUnit()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return ((_state * 2685821657736338717UL) >> 11) * (1.0 / (1UL << 53));
    }
}
