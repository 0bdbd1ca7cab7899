using System.Globalization;
using InferencePlanner.Calibration.Costs;
using InferencePlanner.Calibration.Models;
using InferencePlanner.Core;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;

namespace InferencePlanner.Calibration.Projection;

/// <summary>The projection of one model at one batch onto one device (the contract of the <c>project</c> command).</summary>
public sealed record ProjectionResult
{
    public required string Model { get; init; }
    public required string Device { get; init; }
    public required string Precision { get; init; }
    public required int Batch { get; init; }
    public required double LatencyMs { get; init; }

    /// <summary>Items per second at this batch (for an LLM decode step: generated tokens per second).</summary>
    public required double ThroughputPerSecond { get; init; }

    /// <summary><c>compute</c> or <c>memory</c>: which limit holds the larger share of the roofline time.</summary>
    public required string Bound { get; init; }

    public required double FlopsPerItem { get; init; }
    public required double BytesPerBatch { get; init; }
    public double ComputeBoundMs { get; init; }
    public double MemoryBoundMs { get; init; }
    public double LaunchMs { get; init; }
    public double PeakTflops { get; init; }
    public double BandwidthGBps { get; init; }
    public double MatmulEfficiency { get; init; }
    public double MemoryEfficiency { get; init; }
    public IReadOnlyList<ClassTime> ByClass { get; init; } = [];
    public IReadOnlyList<string> Assumptions { get; init; } = [];
}

public sealed record ClassTime(string Class, int Operators, double Flops, double Bytes, double Ms, string Bound, double Efficiency);

/// <summary>A projection that cannot be made, with the reason (an unknown peak, a precision the device lacks, …).</summary>
public sealed class ProjectionException : Exception
{
    public ProjectionException()
    {
    }

    public ProjectionException(string message)
        : base(message)
    {
    }

    public ProjectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Projects a model onto a catalog device. On an accelerator, the graph runs fused as an optimizing runtime runs it,
/// each kernel at the efficiencies learned from measured operator times (see <c>Fused</c>). On <c>local-cpu</c>, a
/// roofline per operator: time = max(FLOPs / (peak × η_compute), bytes / (bandwidth × η_memory)), summed, with each
/// operator class refined by how far a measured profile of the same model here fell short of the GEMM microbenchmark.
/// </summary>
public sealed class RooflineProjector
{
    private readonly DeviceCatalog _catalog;
    private readonly ProfileStore _profiles;

    public RooflineProjector(DeviceCatalog catalog, ProfileStore? profiles = null, string? efficiencyFile = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        _profiles = profiles ?? ProfileStore.Empty;
        Efficiency = ProjectionEfficiency.Load(catalog, efficiencyFile);
    }

    public ProjectionEfficiency Efficiency { get; }

    /// <summary>The median measured/peak matmul ratio over the catalog, for devices without a measurement.</summary>
    public double MedianMatmulEfficiency => Efficiency.MedianMatmulEfficiency;

    public ProjectionResult Project(string modelName, string deviceId, string precision = Precisions.Fp16, int batch = 1, IReadOnlyDictionary<string, int>? dimensions = null)
    {
        var model = ModelZoo.Create(modelName, dimensions, shapesOnly: true);
        var result = Project(model, deviceId, precision, batch);
        return dimensions is { Count: > 0 }
            ? result with { Assumptions = [.. result.Assumptions, string.Join(", ", dimensions.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Key} = {d.Value}"))) + " (set with --dim)"] }
            : result;
    }

    public ProjectionResult Project(ZooModel model, string deviceId, string precision, int batch, IReadOnlyDictionary<string, long[]>? shapes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (batch < 1)
        {
            throw new ProjectionException("batch must be at least 1");
        }

        if (!_catalog.TryGetDevice(deviceId, out var device))
        {
            throw new ProjectionException($"'{deviceId}' is not a catalog device" + Suggestions.DidYouMean(_catalog.SuggestDevices(deviceId)));
        }

        if (!Precisions.IsKnown(precision))
        {
            throw new ProjectionException($"precision '{precision}' is not one of {string.Join(", ", Precisions.All)}");
        }

        var assumptions = new List<string>();
        var (peakTflops, matmulEfficiency) = Peak(device, precision, assumptions);
        var bandwidth = device.MemoryBandwidthGBps.Effective
            ?? throw new ProjectionException($"{device.Id}: memory bandwidth is unknown ({device.MemoryBandwidthGBps.Assumption})");
        if (!device.MemoryBandwidthGBps.IsKnown)
        {
            assumptions.Add($"memory bandwidth {bandwidth} GB/s is assumed: {device.MemoryBandwidthGBps.Assumption}");
        }

        var isLocal = device.Id == LocalMachine.DeviceId;
        var memoryEfficiency = isLocal ? 1.0 : Efficiency.MemoryEfficiency;
        var launchSeconds = isLocal ? 0 : Efficiency.LaunchMicroseconds / 1e6;
        if (!isLocal)
        {
            assumptions.Add($"memory efficiency {memoryEfficiency:0.##} of the data-sheet bandwidth (assumed: no per-device bandwidth microbenchmark in the reference data)");
            assumptions.Add($"launch interval {Efficiency.LaunchMicroseconds:0.#} µs per operator: no operator takes less (assumed)");
        }

        var elementBytes = Precisions.BytesPerElement(precision);
        var cost = GraphCost.Analyze(model.Proto, shapes ?? model.InputShapes(batch), elementBytes: elementBytes);
        if (cost.Unsupported.Count > 0)
        {
            assumptions.Add($"not counted (operators the cost model does not follow): {string.Join(", ", cost.Unsupported.Take(5))}");
        }

        if (!isLocal && Core.Llm.OperatorSteps.Learned(_catalog, Efficiency) is { } learned)
        {
            // An accelerator runs the graph as an optimizing runtime does; the CPU's measured shortfalls stay on the CPU.
            return Fused(model, device, precision, batch, cost, peakTflops, matmulEfficiency, bandwidth, learned.Efficiency, learned.SourceDevice, assumptions);
        }

        var classes = ClassRefinement(model.Name, assumptions);

        var tally = new Tally();
        foreach (var op in cost.Ops)
        {
            if (op.Bytes == 0 && op.TotalFlops == 0)
            {
                continue; // views (reshape, flatten) cost nothing
            }

            var cls = OperatorClassTimerClass(op.Class);
            var refine = classes.TryGetValue(cls, out var r) ? Math.Clamp(r, Efficiency.ClassFloor, 1) : 1;
            var computeBound = cls is "matmul" or "conv";
            var computeEfficiency = matmulEfficiency * (computeBound ? refine : 1);
            var memEfficiency = memoryEfficiency * (computeBound ? 1 : refine);
            var computeSeconds = op.TotalFlops / (peakTflops * 1e12 * computeEfficiency);
            var memorySeconds = op.Bytes / (bandwidth * 1e9 * memEfficiency);
            // Launches are asynchronous: an operator shorter than the launch interval still takes that interval.
            var roofline = Math.Max(computeSeconds, memorySeconds);
            tally.Add(cls, op.TotalFlops, op.Bytes, roofline, Math.Max(roofline, launchSeconds) - roofline, computeSeconds >= memorySeconds, computeBound ? computeEfficiency : memEfficiency);
        }

        return tally.Result(model, device, precision, batch, cost.TotalFlops, peakTflops, bandwidth, matmulEfficiency, memoryEfficiency, assumptions);
    }

    /// <summary>
    /// The graph on an accelerator as an optimizing runtime (TensorRT, ONNX Runtime's CUDA provider) runs it: matrix
    /// products and convolutions as GEMM kernels with their bias, activation and folded batch norm in the epilogue;
    /// attention as one kernel (the score matrix never leaves the chip); a residual add costs one read of the other
    /// operand; a layer norm or a pooling one read and one write; transposes and concatenations are layouts. Each
    /// kernel costs its class's fixed cost plus a smooth roofline at the shares learned from measured H100 operator
    /// times; a GEMM's compute share is scaled by how its N and K fill the tensor cores' 128 × 64 tiles.
    /// </summary>
    private static ProjectionResult Fused(ZooModel model, Device device, string precision, int batch, GraphCost cost, double peakTflops, double matmulEfficiency, double bandwidthGBps,
        Core.Llm.Operators.OperatorEfficiency learned, string sourceDevice, List<string> assumptions)
    {
        var figures = new Core.Llm.Operators.DeviceFigures(peakTflops * matmulEfficiency * 1e12, bandwidthGBps * 1e9, null);
        var gemm = learned.Classes[Core.Llm.Operators.OperatorClass.Gemm];
        var memoryBound = learned.Classes.GetValueOrDefault(Core.Llm.Operators.OperatorClass.Norm) ?? gemm;
        var elementBytes = Precisions.BytesPerElement(precision);
        var tally = new Tally();
        double? scores = null; // the score matrix of an attention kernel in progress
        foreach (var op in cost.Ops)
        {
            if (op.Bytes == 0 && op.TotalFlops == 0)
            {
                continue;
            }

            var outBytes = op.OutputShape.Aggregate(1.0, (a, d) => a * d) * elementBytes;
            Core.Llm.Operators.ClassEfficiency? kernel = null;
            double bytes = 0, fill = 1;
            string cls;
            switch (op.Class)
            {
                case OpClass.AttentionMatmul when scores is null:
                    cls = "attention";
                    scores = outBytes;
                    kernel = gemm;
                    bytes = op.Bytes - outBytes;
                    break;
                case OpClass.AttentionMatmul:
                    cls = "attention";
                    bytes = Math.Max(0, op.Bytes - scores!.Value);
                    scores = null;
                    break; // the same kernel as its first half: no second fixed cost
                case OpClass.Softmax or OpClass.Elementwise when scores is not null:
                    cls = "attention";
                    break; // scale, mask and softmax inside the attention kernel
                case OpClass.Matmul or OpClass.Conv or OpClass.DepthwiseConv:
                    cls = op.Class == OpClass.Matmul ? "matmul" : "conv";
                    kernel = gemm;
                    bytes = op.Bytes;
                    var n = op.OpType == "Conv" ? (op.OutputShape.Count > 1 ? op.OutputShape[1] : 1) : op.OutputShape[^1];
                    var k = op.Macs / Math.Max(1, op.OutputShape.Aggregate(1.0, (a, d) => a * d));
                    fill = Fill(n, 128) * Fill(k, 64);
                    break;
                case OpClass.Normalization when op.OpType == "BatchNormalization":
                    cls = "normalization";
                    break; // folded into the convolution's weights
                case OpClass.Normalization or OpClass.Softmax or OpClass.Pooling:
                    cls = op.Class == OpClass.Pooling ? "pooling" : "normalization";
                    kernel = memoryBound;
                    bytes = op.Class == OpClass.Pooling ? op.Bytes : 2 * outBytes;
                    break;
                case OpClass.Elementwise:
                    cls = "elementwise";
                    bytes = op.Bytes > 2.5 * outBytes ? outBytes : 0; // a second activation operand is read once; a bias or an activation rides along
                    break;
                default:
                    cls = "copy";
                    break; // a layout
            }

            var flops = op.Class is OpClass.Matmul or OpClass.Conv or OpClass.DepthwiseConv or OpClass.AttentionMatmul ? op.TotalFlops : 0;
            var share = kernel ?? gemm;
            // Memory-bound kernels and what rides in another kernel move at their class's share; products at the GEMMs'.
            var memoryShare = kernel?.MemoryShare ?? (cls == "attention" ? gemm.MemoryShare : memoryBound.MemoryShare);
            var c = flops / (share.ComputeShare * fill * figures.FlopsPerSecond);
            var m = bytes / (memoryShare * figures.BytesPerSecond);
            var roofline = c == 0 ? m : m == 0 ? c : Math.Sqrt((c * c) + (m * m));
            tally.Add(cls, flops, bytes, roofline, kernel?.FixedSeconds ?? 0, c >= m, c >= m ? share.ComputeShare * fill : memoryShare);
        }

        assumptions.Add(string.Create(CultureInfo.InvariantCulture,
            $"fused as an optimizing runtime runs the graph: bias, activation and batch norm in the GEMM or convolution epilogue, attention as one kernel, a residual add one read, a norm or pooling one read and write, layouts free; kernels at the shares learned from {sourceDevice}'s measured operator times (GEMM {gemm.FixedSeconds * 1e6:0.#} µs + {gemm.ComputeShare:0.00} of achievable matmul, {gemm.MemoryShare:0.00} of bandwidth; norms {memoryBound.FixedSeconds * 1e6:0.#} µs + {memoryBound.MemoryShare:0.00} of bandwidth); GEMM compute scaled by how N and K fill 128 × 64 tensor-core tiles"));
        return tally.Result(model, device, precision, batch, cost.TotalFlops, peakTflops, bandwidthGBps, matmulEfficiency * gemm.ComputeShare, gemm.MemoryShare, assumptions);
    }

    /// <summary>The share of a tile a dimension fills: n over n rounded up to whole tiles.</summary>
    private static double Fill(double n, int tile) => n <= 0 ? 1 : n / (Math.Ceiling(n / tile) * tile);

    /// <summary>A projected profile over several batch sizes, for the simulator.</summary>
    public ThroughputProfile ProjectProfile(string modelName, string deviceId, string precision, IReadOnlyList<int> batches, IReadOnlyDictionary<string, int>? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var model = ModelZoo.Create(modelName, dimensions, shapesOnly: true);
        var results = batches.Select(b => dimensions is { Count: > 0 } ? Project(modelName, deviceId, precision, b, dimensions) : Project(model, deviceId, precision, b)).ToList();
        var suffix = dimensions is { Count: > 0 } ? "-" + string.Join("-", dimensions.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Key}{d.Value}"))) : string.Empty;
        var points = results.Select(r => new ProfileMeasurement { Batch = r.Batch, MedianMs = r.LatencyMs, MeanMs = r.LatencyMs, P90Ms = r.LatencyMs, P99Ms = r.LatencyMs }).ToList();
        return new ThroughputProfile
        {
            Id = $"{modelName}-{deviceId}-{precision}{suffix}",
            Model = modelName,
            Kind = ThroughputProfile.Projected,
            Device = deviceId,
            Precision = precision,
            Description = $"{model.Description}, projected",
            Provenance = new ProfileProvenance
            {
                Date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Method = deviceId == LocalMachine.DeviceId
                    ? $"roofline per operator: max(FLOPs / ({results[0].PeakTflops:G4} TFLOP/s × {results[0].MatmulEfficiency:0.###}), bytes / ({results[0].BandwidthGBps:G4} GB/s × {results[0].MemoryEfficiency:0.##})) + launch overhead"
                    : $"fused kernels, each its class's fixed cost + a smooth roofline at {results[0].PeakTflops:G4} TFLOP/s × {results[0].MatmulEfficiency:0.###} and {results[0].BandwidthGBps:G4} GB/s × {results[0].MemoryEfficiency:0.##} (shares learned from measured operator times)",
                Assumptions = results.SelectMany(r => r.Assumptions).Distinct(StringComparer.Ordinal).ToList(),
            },
            Points = points,
            Fit = Profiling.Profiler.FitLine(points),
            JitterScv = 0,
            FlopsPerItem = results[0].FlopsPerItem,
            Bound = results[^1].Bound,
        };
    }

    private (double PeakTflops, double MatmulEfficiency) Peak(Device device, string precision, List<string> assumptions)
    {
        if (device.Id == LocalMachine.DeviceId)
        {
            var measured = _profiles.All.FirstOrDefault(p => p.Device == LocalMachine.DeviceId && p.GemmGflops is > 0)
                ?? throw new ProjectionException("local-cpu has no published peak: calibrate a model here first (its GEMM microbenchmark is the peak)");
            if (precision != Precisions.Fp32)
            {
                throw new ProjectionException("local-cpu is profiled at fp32: project it at fp32");
            }

            assumptions.Add($"local-cpu peak = its fp32 GEMM microbenchmark, {measured.GemmGflops:0} GFLOP/s ({measured.Provenance.Date})");
            return (measured.GemmGflops!.Value / 1000, 1.0);
        }

        var peak = Efficiency.Peak(device, precision);
        if (peak.PeakTflops is not { } tflops)
        {
            throw new ProjectionException(peak.MissingReason!);
        }

        assumptions.AddRange(peak.Assumptions);
        return (tflops, peak.MatmulEfficiency);
    }

    private Dictionary<string, double> ClassRefinement(string model, List<string> assumptions)
    {
        var measured = _profiles.All.FirstOrDefault(p => p.Model == model && p.Kind == ThroughputProfile.Measured && p.ClassEfficiency is { Count: > 0 });
        if (measured is null)
        {
            return new Dictionary<string, double>(StringComparer.Ordinal);
        }

        // Relative to the class that sets the local reference: matmul against GEMM, the rest against streaming bandwidth.
        assumptions.Add($"operator-class shortfalls from the measured profile '{measured.Id}' ({measured.Provenance.Date}): "
            + string.Join(", ", measured.ClassEfficiency!.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:0.##}"))));
        return measured.ClassEfficiency!.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    private static string OperatorClassTimerClass(OpClass c) => Profiling.OperatorClassTimer.Merge(c);

    /// <summary>What a projection adds up: the roofline time by bound, the fixed costs, and each operator class's share.</summary>
    private sealed class Tally
    {
        private readonly Dictionary<string, (int Ops, double Flops, double Bytes, double Ms, double ComputeMs, double MemoryMs, double Efficiency)> _byClass = new(StringComparer.Ordinal);
        private double _computeMs;
        private double _memoryMs;
        private double _fixedMs;
        private double _bytes;

        /// <summary>One kernel: its roofline seconds (counted to the bound that holds it) and its fixed seconds beyond them.</summary>
        public void Add(string cls, double flops, double bytes, double rooflineSeconds, double fixedSeconds, bool computeBound, double efficiency)
        {
            var ms = (rooflineSeconds + fixedSeconds) * 1000;
            if (computeBound)
            {
                _computeMs += rooflineSeconds * 1000;
            }
            else
            {
                _memoryMs += rooflineSeconds * 1000;
            }

            _fixedMs += fixedSeconds * 1000;
            _bytes += bytes;
            var prior = _byClass.GetValueOrDefault(cls);
            _byClass[cls] = (prior.Ops + 1, prior.Flops + flops, prior.Bytes + bytes, prior.Ms + ms,
                prior.ComputeMs + (computeBound ? ms : 0), prior.MemoryMs + (computeBound ? 0 : ms), efficiency);
        }

        public ProjectionResult Result(ZooModel model, Device device, string precision, int batch, double flops, double peakTflops, double bandwidthGBps,
            double matmulEfficiency, double memoryEfficiency, List<string> assumptions)
        {
            var latencyMs = _computeMs + _memoryMs + _fixedMs;
            return new ProjectionResult
            {
                Model = model.Name,
                Device = device.Id,
                Precision = precision,
                Batch = batch,
                LatencyMs = latencyMs,
                ThroughputPerSecond = batch / (latencyMs / 1000),
                Bound = _computeMs >= _memoryMs ? "compute" : "memory",
                FlopsPerItem = flops / batch,
                BytesPerBatch = _bytes,
                ComputeBoundMs = _computeMs,
                MemoryBoundMs = _memoryMs,
                LaunchMs = _fixedMs,
                PeakTflops = peakTflops,
                BandwidthGBps = bandwidthGBps,
                MatmulEfficiency = matmulEfficiency,
                MemoryEfficiency = memoryEfficiency,
                ByClass = _byClass.OrderByDescending(kv => kv.Value.Ms)
                    .Select(kv => new ClassTime(kv.Key, kv.Value.Ops, kv.Value.Flops, kv.Value.Bytes, kv.Value.Ms, kv.Value.ComputeMs >= kv.Value.MemoryMs ? "compute" : "memory", kv.Value.Efficiency))
                    .ToList(),
                Assumptions = assumptions,
            };
        }
    }
}
