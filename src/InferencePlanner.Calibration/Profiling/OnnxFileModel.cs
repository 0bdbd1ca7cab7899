using InferencePlanner.Calibration.Costs;
using InferencePlanner.Calibration.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace InferencePlanner.Calibration.Profiling;

/// <summary>A user's <c>.onnx</c> file made ready to profile: size-checked, parsed, its batch dimension found.</summary>
public static class OnnxFileModel
{
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>
    /// Opens <paramref name="path"/>. The first dimension of every input is the batch; any other symbolic
    /// dimension must be bound in <paramref name="dimensions"/> (e.g. sequence = 128).
    /// </summary>
    public static ModelUnderTest Open(string path, IReadOnlyDictionary<string, long> dimensions, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InvalidModelException($"{path}: file not found");
        }

        if (info.Length > maxBytes)
        {
            throw new InvalidModelException($"{path}: the file is {info.Length:N0} bytes; the limit is {maxBytes:N0}");
        }

        ModelProto proto;
        try
        {
            using var stream = info.OpenRead();
            proto = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException ex)
        {
            throw new InvalidModelException($"{path}: not an ONNX model ({ex.Message})");
        }

        if (proto.Graph is null || proto.Graph.Node.Count == 0)
        {
            throw new InvalidModelException($"{path}: not an ONNX model (no graph)");
        }

        var initializers = proto.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = proto.Graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        foreach (var input in inputs)
        {
            var type = input.Type?.TensorType;
            if (type is null || type.ElemType != (int)TensorProto.Types.DataType.Float)
            {
                throw new InvalidModelException($"{path}: input '{input.Name}' is not a float32 tensor; only float32 inputs can be generated");
            }

            foreach (var dim in type.Shape.Dim.Skip(1))
            {
                if (dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam && !dimensions.ContainsKey(dim.DimParam))
                {
                    throw new InvalidModelException($"{path}: input '{input.Name}' has the symbolic dimension '{dim.DimParam}': give its size (--dim {dim.DimParam}=N)");
                }
            }
        }

        IReadOnlyDictionary<string, long[]> Shapes(int batch) => inputs.ToDictionary(
            i => i.Name,
            i => i.Type.TensorType.Shape.Dim.Select((d, k) => k == 0 ? batch
                : d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : dimensions[d.DimParam]).ToArray());

        var name = Path.GetFileNameWithoutExtension(path);
        return new ModelUnderTest(
            name,
            (threads, cuda) => Wrap(path, () => OrtSessionFactory.Create(path, threads, cuda)),
            Shapes,
            batch =>
            {
                try
                {
                    return GraphCost.Analyze(proto, Shapes(batch));
                }
                catch (InvalidOperationException)
                {
                    return null; // an operator the cost model does not follow: profile without FLOPs
                }
            },
            $"{name}.onnx ({info.Length:N0} bytes)")
        {
            OpenProfiled = (threads, prefix) => Wrap(path, () => OrtSessionFactory.Create(path, threads, enableProfiling: true, profilePrefix: prefix)),
        };
    }

    private static (InferenceSession, ExecutionProviderChoice) Wrap(string path, Func<(InferenceSession, ExecutionProviderChoice)> open)
    {
        try
        {
            return open();
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidModelException($"{path}: ONNX Runtime cannot load it: {ex.Message.Split('\n')[0]}");
        }
    }
}

/// <summary>A model file that cannot be profiled, with the reason.</summary>
public sealed class InvalidModelException : Exception
{
    public InvalidModelException()
    {
    }

    public InvalidModelException(string message)
        : base(message)
    {
    }

    public InvalidModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
