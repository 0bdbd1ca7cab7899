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

    [Fact]
    public void LargeProduct_IsComputeBound_AtPeakTimesTheMeasuredMatmulRatio()
    {
        var projector = new RooflineProjector(Catalog.Value);
        var model = SingleMatMul(m: 8192, k: 8192, n: 8192);

        var r = projector.Project(model, "nvidia-h100-sxm", "fp16", batch: 1);

        // H100: 989.4 TFLOP/s dense, 794.5 TFLOP/s achieved in a matmul microbenchmark (catalog).
        var flops = 2.0 * 8192 * 8192 * 8192;
        var expectedMs = flops / (989.4e12 * (794.5 / 989.4)) * 1000;
        Assert.Equal("compute", r.Bound);
        Assert.Equal(expectedMs, r.LatencyMs, 9);
        Assert.Equal(794.5 / 989.4, r.MatmulEfficiency, 12);
        Assert.Contains(r.Assumptions, a => a.Contains("794.5", StringComparison.Ordinal));
    }

    [Fact]
    public void VectorTimesMatrix_IsMemoryBound_AtBandwidthTimesTheAssumedEfficiency()
    {
        var projector = new RooflineProjector(Catalog.Value);
        var model = SingleMatMul(m: 1, k: 8192, n: 8192);

        var r = projector.Project(model, "nvidia-h100-sxm", "fp16", batch: 1);

        // Reads the 8192×8192 weight (and a row in, a row out) at 2 bytes each over 3,350 GB/s × 0.8.
        var bytes = ((8192.0 * 8192) + 8192 + 8192) * 2;
        Assert.Equal("memory", r.Bound);
        Assert.Equal(bytes, r.BytesPerBatch);
        Assert.Equal(bytes / (3350e9 * 0.8) * 1000, r.LatencyMs, 9);
    }

    [Fact]
    public void Fp8_HalvesTheBytesAndUsesTheFp8Peak()
    {
        var projector = new RooflineProjector(Catalog.Value);
        var model = SingleMatMul(m: 1, k: 8192, n: 8192);

        var fp16 = projector.Project(model, "nvidia-h100-sxm", "fp16", 1);
        var fp8 = projector.Project(model, "nvidia-h100-sxm", "fp8", 1);

        Assert.Equal(fp16.BytesPerBatch / 2, fp8.BytesPerBatch);
        Assert.Equal(fp16.LatencyMs / 2, fp8.LatencyMs, 9);
        Assert.Equal(1978.9, fp8.PeakTflops);
    }

    [Fact]
    public void TinyOperators_TakeAtLeastTheLaunchInterval()
    {
        var projector = new RooflineProjector(Catalog.Value);
        var model = SingleMatMul(m: 1, k: 8, n: 8);

        var r = projector.Project(model, "nvidia-h100-sxm", "fp16", 1);

        Assert.Equal(0.005, r.LatencyMs, 12); // 5 µs, the stated launch interval
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

        Assert.Equal(projector.MedianMatmulEfficiency, r.MatmulEfficiency);
        Assert.InRange(projector.MedianMatmulEfficiency, 0.5, 1.0);
        Assert.Contains(r.Assumptions, a => a.Contains("median", StringComparison.Ordinal));
    }

    [Fact]
    public void MeasuredClassShortfalls_AreCarriedOverToTheDevice()
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

            Assert.Equal(2 * a.LatencyMs, b.LatencyMs, 9); // a compute-bound product at half the efficiency
            Assert.Contains(b.Assumptions, s => s.Contains("mlp-local-cpu-fp32", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
