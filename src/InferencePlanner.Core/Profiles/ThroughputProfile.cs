using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Core.Profiles;

/// <summary>
/// How long one batch takes on one device for one model at one precision, and where that knowledge comes
/// from: <c>measured</c> (a live ONNX Runtime run, with the host and runtime in <see cref="Provenance"/>) or
/// <c>projected</c> (a roofline onto a catalog device, with its bound and assumptions).
/// </summary>
public sealed record ThroughputProfile
{
    public const string Measured = "measured";
    public const string Projected = "projected";

    public required string Id { get; init; }
    public required string Model { get; init; }
    public required string Kind { get; init; }
    public required string Device { get; init; }
    public required string Precision { get; init; }
    public string? Description { get; init; }
    public required ProfileProvenance Provenance { get; init; }

    /// <summary>Latency by batch size (measured, or projected per batch size).</summary>
    public required IReadOnlyList<ProfileMeasurement> Points { get; init; }

    /// <summary>latency(b) ≈ α + β·b over the points, with R².</summary>
    public LinearFit? Fit { get; init; }

    /// <summary>Squared coefficient of variation of one batch's time, for the simulator's jitter.</summary>
    public double JitterScv { get; init; }

    /// <summary>Floating-point operations per item (2 per multiply-accumulate).</summary>
    public double FlopsPerItem { get; init; }

    public double WeightBytes { get; init; }

    /// <summary>Model FLOP/s achieved at the best batch size, GFLOP/s.</summary>
    public double? AchievedGflops { get; init; }

    /// <summary>The host's matrix-multiply rate through the same runtime, GFLOP/s (its achievable peak).</summary>
    public double? GemmGflops { get; init; }

    /// <summary>The same microbenchmark measured before the model's runs: far from <see cref="GemmGflops"/>, the machine was busy.</summary>
    public double? GemmGflopsBefore { get; init; }

    /// <summary>What the measurement itself noticed (a busy machine), in words.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Warnings { get; init; }

    /// <summary>The host's streaming bandwidth through the same runtime, GB/s.</summary>
    public double? BandwidthGBps { get; init; }

    /// <summary><see cref="AchievedGflops"/> as a share of <see cref="GemmGflops"/>.</summary>
    public double? ShareOfAchievablePeak { get; init; }

    /// <summary>For projections: <c>compute</c> or <c>memory</c>, whichever dominates at the largest batch.</summary>
    public string? Bound { get; init; }

    /// <summary>For the llm-block: its measured step costs, the step model of generative pools on this machine.</summary>
    public Llm.LlmMeasuredSteps? LlmSteps { get; init; }

    /// <summary>How far each operator class falls short of the GEMM microbenchmark here (1 = GEMM speed).</summary>
    public IReadOnlyDictionary<string, double>? ClassEfficiency { get; init; }

    /// <summary>The simulator's service-time model: the measured points and the jitter.</summary>
    public ProfileSpec ToServiceProfile() => new()
    {
        Id = Id,
        Points = Points.Select(p => new ProfilePoint(p.Batch, p.MedianMs)).ToList(),
        JitterScv = JitterScv,
    };
}

public sealed record ProfileProvenance
{
    public required string Date { get; init; }
    public string? CpuModel { get; init; }
    public int? LogicalCores { get; init; }
    public IReadOnlyList<string>? IsaFlags { get; init; }
    public string? OnnxRuntimeVersion { get; init; }
    public string? ExecutionProvider { get; init; }

    /// <summary>Why the provider is not the one asked for (e.g. CUDA unavailable).</summary>
    public string? FallbackReason { get; init; }

    public int? Threads { get; init; }
    public string? OperatingSystem { get; init; }

    /// <summary>For projections: the method, the efficiency factors used and their sources.</summary>
    public string? Method { get; init; }

    public IReadOnlyList<string>? Assumptions { get; init; }
}

public sealed record ProfileMeasurement
{
    public required int Batch { get; init; }
    public required double MedianMs { get; init; }
    public double P90Ms { get; init; }
    public double P99Ms { get; init; }
    public double MeanMs { get; init; }
    public int Runs { get; init; }

    /// <summary>Runs set aside as outliers (beyond Q3 + 3·IQR) before the statistics.</summary>
    public int Outliers { get; init; }

    public double Scv { get; init; }
}

public sealed record LinearFit(double AlphaMs, double BetaMs, double RSquared);
