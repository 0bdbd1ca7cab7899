using InferencePlanner.Calibration.Models;
using InferencePlanner.Calibration.Projection;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;

namespace InferencePlanner.Calibration.Tests.Projection;

public sealed class RooflineProjectorTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static ZooModel SingleMatMul(int m, int k, int n)
    {
        var g = new GraphBuilder("matmul", shapesOnly: true);
        var x = g.Input("x", "batch", k);
        g.Rename(g.Node("MatMul", [x, g.Weight("w", [k, n])]), "y");
        g.Output("y", "batch", n);
        return new ZooModel("matmul", g.Build("one product"), (long)k * n, "x·W", b => new Dictionary<string, long[]> { ["x"] = [b * m, k] });
    }

    /// <summary>The GEMM class's efficiency learned from the shipped H100 operator tables (what accelerators' kernels run at).</summary>
    private static Core.Llm.Operators.ClassEfficiency Gemm =>
        Core.Llm.OperatorSteps.Learned(Catalog.Value, ProjectionEfficiency.Load(Catalog.Value))!.Value.Efficiency.Classes[Core.Llm.Operators.OperatorClass.Gemm];

    private static double Kernel(double flops, double bytes, double achievableTflops, double bandwidthGBps)
    {
        var c = flops / (Gemm.ComputeShare * achievableTflops * 1e12);
        var m = bytes / (Gemm.MemoryShare * bandwidthGBps * 1e9);
        return (Gemm.FixedSeconds + Math.Sqrt((c * c) + (m * m))) * 1000;
    }

    [Fact]
    public void LargeProduct_IsComputeBound_AtTheLearnedShareOfTheMeasuredMatmulThroughput()
    {
        var projector = new RooflineProjector(Catalog.Value);
        var model = SingleMatMul(m: 8192, k: 8192, n: 8192);

        var r = projector.Project(model, "nvidia-h100-sxm", "fp16", batch: 1);

        // H100: 794.5 TFLOP/s achieved in a matmul microbenchmark (catalog), at the GEMM kernels' learned share; tiles full.
        var flops = 2.0 * 8192 * 8192 * 8192;
        var bytes = 3.0 * 8192 * 8192 * 2;
        Assert.Equal("compute", r.Bound);
        Assert.Equal(Kernel(flops, bytes, 794.5, 3350), r.LatencyMs, 9);
        Assert.Equal(794.5 / 989.4 * Gemm.ComputeShare, r.MatmulEfficiency, 12);
        Assert.Contains(r.Assumptions, a => a.Contains("794.5", StringComparison.Ordinal));
    }

    [Fact]
    public void VectorTimesMatrix_IsMemoryBound_AtTheLearnedShareOfBandwidth()
    {
        var projector = new RooflineProjector(Catalog.Value);
        var model = SingleMatMul(m: 1, k: 8192, n: 8192);

        var r = projector.Project(model, "nvidia-h100-sxm", "fp16", batch: 1);

        // Reads the 8192×8192 weight (and a row in, a row out) at 2 bytes each.
        var bytes = ((8192.0 * 8192) + 8192 + 8192) * 2;
        Assert.Equal("memory", r.Bound);
        Assert.Equal(bytes, r.BytesPerBatch);
        Assert.Equal(Kernel(2.0 * 8192 * 8192, bytes, 794.5, 3350), r.LatencyMs, 9);
    }

    [Fact]
    public void Fp8_HalvesTheBytesAndUsesTheFp8Peak()
    {
        var projector = new RooflineProjector(Catalog.Value);
        var model = SingleMatMul(m: 1, k: 8192, n: 8192);

        var fp16 = projector.Project(model, "nvidia-h100-sxm", "fp16", 1);
        var fp8 = projector.Project(model, "nvidia-h100-sxm", "fp8", 1);

        Assert.Equal(fp16.BytesPerBatch / 2, fp8.BytesPerBatch);
        Assert.Equal(1978.9, fp8.PeakTflops);
        // Memory-bound: the roofline part halves (a hair less: its small compute part only gains 1453 / 794.5); the fixed cost stays.
        var fixedMs = Gemm.FixedSeconds * 1000;
        Assert.InRange(fp8.LatencyMs - fixedMs, 0.5 * (fp16.LatencyMs - fixedMs), 0.51 * (fp16.LatencyMs - fixedMs));
    }

    [Fact]
    public void TinyOperators_CostTheKernelsFixedCost()
    {
        var projector = new RooflineProjector(Catalog.Value);
        var model = SingleMatMul(m: 1, k: 8, n: 8);

        var r = projector.Project(model, "nvidia-h100-sxm", "fp16", 1);

        Assert.InRange(r.LatencyMs, Gemm.FixedSeconds * 1000, (Gemm.FixedSeconds * 1000) + 1e-6);
    }

    [Fact]
    public void AnNThatFillsTilesPartly_RunsItsComputeAtThatShare()
    {
        // 320 outputs per token fill 320 / 384 of three 128-wide tiles: the compute part runs at 5/6 of the rate.
        var projector = new RooflineProjector(Catalog.Value);
        var r = projector.Project(SingleMatMul(m: 16_384, k: 8192, n: 320), "nvidia-h100-sxm", "fp16", 1);

        var flops = 2.0 * 16_384 * 8192 * 320;
        var bytes = ((16_384.0 * 8192) + (8192.0 * 320) + (16_384.0 * 320)) * 2;
        Assert.Equal(Kernel(flops / (320.0 / 384), bytes, 794.5, 3350), r.LatencyMs, 9);
        Assert.True(r.LatencyMs > Kernel(flops, bytes, 794.5, 3350));
    }

    [Fact]
    public void Attention_RunsAsOneKernel_ItsScoresNeverWritten()
    {
        // q·kᵀ → softmax → ·v on [S × d] per sequence: fused, only q, k, v and the output move (not the S × S scores).
        const int s = 512, d = 64;
        var g = new GraphBuilder("attention", shapesOnly: true);
        var q = g.Input("q", "batch", s, d);
        var kT = g.Input("kT", "batch", d, s);
        var v = g.Input("v", "batch", s, d);
        g.Rename(g.Node("MatMul", [g.Node("Softmax", [g.Node("MatMul", [q, kT])], ("axis", -1L)), v]), "o");
        g.Output("o", "batch", s, d);
        var model = new ZooModel("attention", g.Build("attention"), 0, "attention", b => new Dictionary<string, long[]> { ["q"] = [b, s, d], ["kT"] = [b, d, s], ["v"] = [b, s, d] });

        var r = new RooflineProjector(Catalog.Value).Project(model, "nvidia-h100-sxm", "fp16", 4);

        Assert.Equal(4.0 * 4 * s * d * 2, r.BytesPerBatch); // q, kᵀ, v, o at 2 bytes, 4 sequences
        Assert.Equal("attention", Assert.Single(r.ByClass).Class);
    }

    [Theory]
    [InlineData("bert-base")]
    [InlineData("resnet50")]
    public void Throughput_GrowsWithBatch_AndTheBoundMovesTowardCompute(string name)
    {
        var projector = new RooflineProjector(Catalog.Value);
        var results = new[] { 1, 8, 64 }.Select(b => projector.Project(name, "nvidia-a100-sxm-80gb", "fp16", b)).ToList();

        Assert.True(results[0].ThroughputPerSecond < results[1].ThroughputPerSecond && results[1].ThroughputPerSecond < results[2].ThroughputPerSecond);
        var computeShare = results.Select(r => r.ComputeBoundMs / (r.ComputeBoundMs + r.MemoryBoundMs)).ToList();
        Assert.True(computeShare[2] >= computeShare[0], $"compute share {computeShare[0]:F2} → {computeShare[2]:F2}");
        Assert.All(results, r => Assert.Equal(results[0].FlopsPerItem, r.FlopsPerItem, 6));
    }

    [Theory]
    [InlineData("nvidia-a100-sxm-80gb", "fp8", "no fp8 support")]
    [InlineData("nvidia-h100", "fp16", "did you mean")]
    [InlineData("nvidia-h100-sxm", "fp32", "no fp32 peak")]
    [InlineData("nvidia-h100-sxm", "fp4", "not one of")]
    [InlineData("nvidia-jetson-orin-nano", "fp16", "unknown")]
    public void Impossible_Projections_SayWhy(string device, string precision, string reason)
    {
        var projector = new RooflineProjector(Catalog.Value);

        var ex = Assert.Throws<ProjectionException>(() => projector.Project("mlp", device, precision, 1));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeviceWithoutAMatmulMeasurement_UsesTheCatalogMedianRatio()
    {
        var projector = new RooflineProjector(Catalog.Value);

        var r = projector.Project("mlp", "nvidia-l4", "fp16", 1);

        Assert.Equal(projector.MedianMatmulEfficiency * Gemm.ComputeShare, r.MatmulEfficiency, 12);
        Assert.InRange(projector.MedianMatmulEfficiency, 0.5, 1.0);
        Assert.Contains(r.Assumptions, a => a.Contains("median", StringComparison.Ordinal));
    }

    [Fact]
    public void MeasuredCpuShortfalls_StayOnTheCpu()
    {
        var dir = Directory.CreateTempSubdirectory("ip-profiles-").FullName;
        try
        {
            var measured = new ThroughputProfile
            {
                Id = "mlp-local-cpu-fp32",
                Model = "mlp",
                Kind = ThroughputProfile.Measured,
                Device = "local-cpu",
                Precision = "fp32",
                Provenance = new ProfileProvenance { Date = "2026-11-26" },
                Points = [new ProfileMeasurement { Batch = 1, MedianMs = 1 }],
                ClassEfficiency = new Dictionary<string, double> { ["matmul"] = 0.5 },
            };
            File.WriteAllText(Path.Combine(dir, "p.json"), ProfileStore.Write(measured));
            var plain = new RooflineProjector(Catalog.Value);
            var refined = new RooflineProjector(Catalog.Value, ProfileStore.Load(dir));

            var model = SingleMatMul(8192, 8192, 8192) with { Name = "mlp" };
            var a = plain.Project(model, "nvidia-h100-sxm", "fp16", 1);
            var b = refined.Project(model, "nvidia-h100-sxm", "fp16", 1);

            // What the CPU's kernels fell short by says nothing of a GPU's: the projection ignores it.
            Assert.Equal(a.LatencyMs, b.LatencyMs, 12);
            Assert.DoesNotContain(b.Assumptions, s => s.Contains("mlp-local-cpu-fp32", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
