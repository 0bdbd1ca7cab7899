using System.Globalization;
using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm.Operators;

namespace InferencePlanner.Core.Llm;

/// <summary>
/// Builds a generative model's <see cref="OperatorStepModel"/> on a catalog device: which measured tables it uses (the
/// device's own, else another device's carried over), the classes' learned efficiencies, the engine's overheads, and
/// every figure carried, said in words.
/// </summary>
public static class OperatorSteps
{
    /// <summary>The measured device whose tables are carried to devices without their own, when present.</summary>
    public const string ReferenceDevice = "nvidia-h100-sxm";

    /// <summary>The folders searched for operator tables: the caller's, then <c>$INFERENCEPLANNER_OPERATORS</c>, then the shipped <c>data/operators</c>.</summary>
    public static IReadOnlyList<string> Roots(IReadOnlyList<string>? first = null)
    {
        var roots = new List<string>(first ?? []);
        if (Environment.GetEnvironmentVariable("INFERENCEPLANNER_OPERATORS") is { Length: > 0 } user)
        {
            roots.Add(user);
        }

        if (DataFolders.Find("operators") is { } shipped)
        {
            roots.Add(shipped);
        }

        return roots;
    }

    /// <summary>
    /// The operator classes' efficiencies learned from the reference device's tables (for any device's projections),
    /// and that device's id; null when no tables are found.
    /// </summary>
    public static (OperatorEfficiency Efficiency, string SourceDevice)? Learned(DeviceCatalog catalog, ProjectionEfficiency projection, IReadOnlyList<string>? operatorRoots = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(projection);
        OperatorLibrary? library;
        try
        {
            library = OperatorLibrary.Load(ReferenceDevice, Roots(operatorRoots));
        }
        catch (OperatorTableException)
        {
            return null; // the step model says why, when a generative pool needs it
        }

        if (library is null || !catalog.TryGetDevice(ReferenceDevice, out var device))
        {
            return null;
        }

        return (OperatorEfficiency.Learn(library, Figures(device, projection)), device.Id);
    }

    /// <summary>A measured device's figures at the precision its tables hold (fp16): achievable matmul, bandwidth, link.</summary>
    private static DeviceFigures Figures(Device device, ProjectionEfficiency projection)
    {
        var peak = projection.Peak(device, Precisions.Fp16);
        return new DeviceFigures((peak.PeakTflops ?? 0) * peak.MatmulEfficiency * 1e12, (device.MemoryBandwidthGBps.Effective ?? 0) * 1e9, device.InterconnectGBps?.Effective * 1e9);
    }

    /// <summary>Every operator at the stated stand-ins: the launch interval and memory efficiency of <c>efficiency.json</c>, the achievable matmul.</summary>
    private static ClassEfficiency Assumed(ProjectionEfficiency projection) =>
        new(projection.LaunchMicroseconds / 1e6, 1, projection.MemoryEfficiency, double.NaN, 0);

    public static (OperatorStepModel Step, IReadOnlyList<string> Assumptions) Build(DeviceCatalog catalog, ProjectionEfficiency projection, LlmModelPreset model, Device device,
        DeviceFigures target, string precision, double bytesPerParameter, double bytesPerKv, int tensorParallel, IReadOnlyList<string>? operatorRoots = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(projection);
        ArgumentNullException.ThrowIfNull(device);
        var roots = Roots(operatorRoots);
        var assumptions = new List<string>();
        OperatorLibrary? own, reference;
        try
        {
            own = OperatorLibrary.Load(device.Id, roots);
            reference = device.Id == ReferenceDevice ? own : OperatorLibrary.Load(ReferenceDevice, roots);
        }
        catch (OperatorTableException ex)
        {
            throw new LlmProjectionException(LlmSetting.Device, $"{device.Id}: an operator table cannot be read: {ex.Message}");
        }

        var (library, sourceDevice) = own is not null
            ? (own, device)
            : reference is not null && catalog.TryGetDevice(ReferenceDevice, out var referenceDevice)
                ? (reference, referenceDevice)
                : ((OperatorLibrary?)null, (Device?)null);

        OperatorEfficiency efficiency;
        var fp16 = precision is Precisions.Fp16 or Precisions.Bf16;
        var measuredHere = own is not null && fp16;
        if (library is not null && sourceDevice is not null)
        {
            var source = Figures(sourceDevice, projection);
            efficiency = OperatorEfficiency.Learn(library, source);
            if (own is not null && own != reference && reference is not null && catalog.TryGetDevice(ReferenceDevice, out var taught))
            {
                // A device's own tables may hold only some operators: the rest as the reference device taught them.
                efficiency = efficiency.CompletedBy(OperatorEfficiency.Learn(reference, Figures(taught, projection)));
            }

            efficiency = efficiency.CompletedBy(OperatorEfficiency.Assumed(Assumed(projection)));
            var files = string.Join(", ", library.Files.Select(Path.GetFileName).Where(f => f!.EndsWith(".mlp.csv", StringComparison.Ordinal)));
            assumptions.Add(measuredHere
                ? Invariant($"step = the sum of its operators; dense operators as measured on {device.Id} ({files}), interpolated by tokens, where a table has the layer's shape")
                : Invariant($"step = the sum of its operators; dense operators measured on {sourceDevice.Id} ({files}) carried to {device.Id}{(fp16 ? string.Empty : $" at {precision}")} by achievable matmul {target.FlopsPerSecond / 1e12:0.#} vs {source.FlopsPerSecond / 1e12:0.#} TFLOP/s and bandwidth {target.BytesPerSecond / 1e9:0} vs {source.BytesPerSecond / 1e9:0} GB/s"));
            foreach (var (cls, e) in efficiency.Classes.OrderBy(c => c.Key))
            {
                assumptions.Add(cls == OperatorClass.Gemm
                    ? Invariant($"{Name(cls)} without a measured shape: {e.FixedSeconds * 1e6:0.#} µs + roofline at {e.ComputeShare:0.00} of achievable matmul and {e.MemoryShare:0.00} of bandwidth (learned on {sourceDevice.Id}, mean error {e.MeanAbsLogError:P0} over {e.Points} points)")
                    : Invariant($"{Name(cls)} without a measured shape: {e.FixedSeconds * 1e6:0.#} µs + bytes at {e.MemoryShare:0.00} of bandwidth (learned on {sourceDevice.Id}, mean error {e.MeanAbsLogError:P0})"));
            }

            assumptions.Add("attention (prefill chunks, decodes) has no measured table: its FLOPs and KV-cache bytes run at the GEMMs' learned shares");
            if (tensorParallel > 1)
            {
                assumptions.Add(efficiency.AllReduce is { } ar && target.LinkBytesPerSecond is { } link
                    ? Invariant($"two all-reduces per layer over {tensorParallel} devices: {ar.FixedSeconds * 1e6:0.#} µs (the lowest latency of {sourceDevice.Id}'s NCCL curves: an engine replaying captured graphs pays no host launch) + ring bytes at {ar.LinkShare:0.00} of the {link / 1e9:0} GB/s link (learned on its messages of 1 MiB and more, mean error {ar.MeanAbsLogError:P0})")
                    : Invariant($"tensor-parallel all-reduces are not counted: {device.Id}'s interconnect bandwidth is unknown"));
            }
        }
        else
        {
            var fallback = Assumed(projection);
            efficiency = OperatorEfficiency.Assumed(fallback);
            assumptions.Add(Invariant($"step = the sum of its operators; no measured operator tables found: each at {fallback.FixedSeconds * 1e6:0.#} µs + roofline at the achievable matmul and {fallback.MemoryShare:0.00} of bandwidth (assumed)"));
        }

        var overheads = Overheads();
        assumptions.Add(overheads.Provenance);
        var step = new OperatorStepModel(model, tensorParallel, bytesPerParameter, bytesPerKv, target, library, measuredHere, efficiency, overheads)
        {
            Provenance = Provenance(assumptions[0], overheads),
        };
        return (step, assumptions);
    }

    /// <summary>The step's provenance line: where its operator times come from, and the accuracy the replay shows.</summary>
    private static string Provenance(string source, ServingOverheads overheads) =>
        source + "; " + overheads.Provenance;

    /// <summary>The engine's overheads from <c>data/calibration/serving-overheads.json</c>, or none when the file is absent.</summary>
    public static ServingOverheads Overheads()
    {
        if (DataFolders.Find("calibration", OverheadsFile) is not { } folder)
        {
            return ServingOverheads.None;
        }

        var path = Path.Combine(folder, OverheadsFile);
        var stamp = File.GetLastWriteTimeUtc(path).Ticks;
        lock (OverheadsLock)
        {
            if (_overheads is { } cached && cached.Path == path && cached.Stamp == stamp)
            {
                return cached.Value;
            }

            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var root = json.RootElement;
            double Ms(string name) => root.GetProperty(name).GetProperty("value").GetDouble() / 1000;
            var value = new ServingOverheads(Ms("stepMs"), Ms("sequenceMs"), Ms("requestMs"),
                Invariant($"serving overheads: {Ms("stepMs") * 1e3:0.###} ms per iteration + {Ms("sequenceMs") * 1e3:0.####} ms per sequence in it, {Ms("requestMs") * 1e3:0.#} ms per request; {root.GetProperty("fittedOn").GetString()}"));
            _overheads = (path, stamp, value);
            return value;
        }
    }

    private const string OverheadsFile = "serving-overheads.json";
    private static readonly Lock OverheadsLock = new();
    private static (string Path, long Stamp, ServingOverheads Value)? _overheads;

    private static string Name(OperatorClass cls) => cls switch
    {
        OperatorClass.Gemm => "GEMMs",
        OperatorClass.Norm => "norms",
        OperatorClass.Rope => "rotary",
        OperatorClass.Activation => "activations",
        OperatorClass.Add => "residual adds",
        _ => "embedding",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
