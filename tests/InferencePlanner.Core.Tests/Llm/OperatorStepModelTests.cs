using System.Globalization;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Llm.Operators;

namespace InferencePlanner.Core.Tests.Llm;

/// <summary>
/// A generative step is the sum of its operators: measured where the device's tables have them, carried by the
/// devices' published figures elsewhere, and the shipped H100 tables read as the CSV files state them.
/// </summary>
public sealed class OperatorStepModelTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static string Operators => Path.Combine(RepositoryPaths.Root, "data", "operators");

    private static OperatorLibrary H100Tables => OperatorLibrary.Load(OperatorSteps.ReferenceDevice, [Operators])!;

    private static LlmModelPreset Preset(string id) => LlmModelPresets.TryGet(id, out var preset) ? preset : throw new InvalidOperationException(id);

    private static OperatorStepModel Project(string model, string device = "nvidia-h100-sxm", int tp = 1, string precision = "fp16") =>
        Assert.IsType<OperatorStepModel>(LlmProjector.Project(Catalog.Value, Preset(model), new LlmDeployment(device, precision, TensorParallel: tp, OperatorRoots: [Operators])).Step);

    /// <summary>The median of one operator at (tokens, tp) in a shipped table, read straight from the CSV (ms → s).</summary>
    private static double FromCsv(string file, string op, int tokens, int tp)
    {
        var lines = File.ReadAllLines(Path.Combine(Operators, OperatorSteps.ReferenceDevice, file));
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        var row = lines.Skip(1).Select(l => l.Split(',')).First(r => r[Column("num_tokens")] == tokens.ToString(CultureInfo.InvariantCulture) && r[Column("num_tensor_parallel_workers")] == tp.ToString(CultureInfo.InvariantCulture));
        return double.Parse(row[Column($"time_stats.{op}.median")], CultureInfo.InvariantCulture) / 1000;
    }

    /// <summary>The fastest a batch of <paramref name="tokens"/> runs by the table: its own row or any larger one (padding).</summary>
    private static double PaddedFromCsv(string file, string op, int tokens, int tp)
    {
        var lines = File.ReadAllLines(Path.Combine(Operators, OperatorSteps.ReferenceDevice, file));
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        return lines.Skip(1).Select(l => l.Split(','))
            .Where(r => int.Parse(r[Column("num_tokens")], CultureInfo.InvariantCulture) >= tokens && r[Column("num_tensor_parallel_workers")] == tp.ToString(CultureInfo.InvariantCulture))
            .Min(r => double.Parse(r[Column($"time_stats.{op}.median")], CultureInfo.InvariantCulture)) / 1000;
    }

    [Fact]
    public void Curve_IsExactOnItsPoints_LinearBetween_AndNeverCostsMoreThanALargerSize()
    {
        var curve = new OperatorCurve([(1, 10e-6), (8, 12e-6), (16, 30e-6), (32, 20e-6), (64, 40e-6)]);

        Assert.Equal(10e-6, curve.At(1));
        Assert.Equal(12e-6, curve.At(8));
        Assert.Equal(20e-6, curve.At(16)); // 30 µs measured, but padding 16 tokens to 32 ran in 20 µs
        Assert.Equal(20e-6, curve.At(32));
        Assert.Equal(30e-6, curve.At(48), 15);  // halfway from 20 to 40
        Assert.Equal(60e-6, curve.At(96), 15);  // beyond the last point, in proportion: 40 µs × 96 / 64
        Assert.Equal([10e-6, 12e-6, 30e-6, 20e-6, 40e-6], curve.Measured);
        for (var tokens = 1.0; tokens < 64; tokens += 0.5)
        {
            Assert.True(curve.At(tokens) <= curve.At(tokens + 0.5));
        }
    }

    [Theory]
    [InlineData("attn_pre_proj", 4096, 1)]
    [InlineData("mlp_up_proj", 256, 1)]
    [InlineData("mlp_down_proj", 1, 4)]
    [InlineData("input_layernorm", 64, 1)]
    public void Library_ReadsTheShippedTable_AsItsCsvStatesIt(string op, int tokens, int tp)
    {
        var dims = LayerDims.Of(Preset("llama-2-7b"));
        Assert.True(H100Tables.TryGetCurve(OperatorShapes.Of(op, dims, tp), out var curve));

        var index = curve.Tokens.ToList().IndexOf(tokens);
        Assert.Equal(FromCsv("Llama-2-7b-hf.mlp.csv", op, tokens, tp), curve.Measured[index], 12);
    }

    [Fact]
    public void DecodeOfOne_OnTheMeasuredDevice_IsTheTablesOperatorsTimesTheLayers_PlusAttentionAndHead()
    {
        // Llama 2 7B on one H100, one sequence: every dense operator at 1 token from the table (the fastest of its row
        // and the larger ones it could be padded to), × 32 layers.
        var step = Project("llama-2-7b");
        var batch = LlmBatch.Decode(1, 500);
        var rows = step.Breakdown(batch).ToDictionary(r => r.Operator, r => r.Seconds);

        foreach (var op in OperatorShapes.LayerOperators)
        {
            Assert.Equal(32 * PaddedFromCsv("Llama-2-7b-hf.mlp.csv", op, 1, 1), rows[op], 12);
        }

        Assert.Equal(PaddedFromCsv("Llama-2-7b-hf.mlp.csv", "emb", 1, 1), rows["emb"], 12);
        Assert.Equal(0, rows["all_reduce"]);
        // Conservation: the step is its operators and its overhead, nothing else.
        Assert.Equal(rows.Values.Sum(), step.StepSeconds(batch), 12);
    }

    [Fact]
    public void CarriedToAnIdenticalDevice_ReproducesTheMeasuredDevice_Exactly()
    {
        // The carry rule t' = fixed + (t − fixed) × roofline(target) / roofline(source) is the identity when the target's
        // figures are the source's: an operator measured on the H100 keeps its time on a device with the H100's figures.
        var measured = Project("llama-2-70b", tp: 4);
        var efficiency = OperatorEfficiency.Learn(H100Tables, measured.Target);
        var carried = new OperatorStepModel(Preset("llama-2-70b"), 4, 2, 2, measured.Target, H100Tables, measuredHere: false, efficiency, measured.Overheads);

        foreach (var batch in new[] { LlmBatch.Decode(1, 100), LlmBatch.Decode(37, 900), LlmBatch.Prefill(700), new LlmBatch(20, 14_000, 1500, 2, 800_000, 0) })
        {
            foreach (var (op, seconds) in measured.Breakdown(batch))
            {
                Assert.Equal(seconds, carried.Breakdown(batch).Single(r => r.Operator == op).Seconds, 12);
            }
        }
    }

    [Fact]
    public void CarriedToAFasterDevice_ScalesEachOperatorByItsBound()
    {
        // B200 against H100: more bandwidth and more matmul throughput, so every carried operator is faster, but
        // never below its fixed cost, and beyond it by no more than the larger of the two ratios.
        var h100 = Project("llama-2-7b");
        var b200 = Project("llama-2-7b", "nvidia-b200");
        var batch = LlmBatch.Decode(8, 512);
        var gemm = OperatorEfficiency.Learn(H100Tables, h100.Target).Classes[OperatorClass.Gemm];

        foreach (var op in new[] { "attn_pre_proj", "mlp_up_proj", "mlp_down_proj" })
        {
            var (fast, slow) = (b200.LayerOperator(op, 8).Seconds, h100.LayerOperator(op, 8).Seconds);
            Assert.True(fast < slow, op);
            // The smooth roofline of a faster device shrinks by at most the larger of the two ratios.
            var ratio = Math.Max(h100.Target.BytesPerSecond / b200.Target.BytesPerSecond, h100.Target.FlopsPerSecond / b200.Target.FlopsPerSecond);
            Assert.InRange(fast, gemm.FixedSeconds, gemm.FixedSeconds + ((slow - gemm.FixedSeconds) * ratio * (1 + 1e-12)));
        }

        Assert.True(b200.StepSeconds(batch) < h100.StepSeconds(batch));
    }

    [Fact]
    public void LearnedGemmEfficiency_FitsTheMeasuredPoints_AndSaysSo()
    {
        var h100 = Project("llama-2-7b");
        var efficiency = OperatorEfficiency.Learn(H100Tables, h100.Target);
        var gemm = efficiency.Classes[OperatorClass.Gemm];

        // Shares of achievable matmul and of the data sheet's bandwidth: physical (≤ 1.3: the MAMF is not the peak).
        Assert.InRange(gemm.ComputeShare, 0.5, 1.3);
        Assert.InRange(gemm.MemoryShare, 0.5, 1.0);
        Assert.InRange(gemm.FixedSeconds, 0, 20e-6);
        // Mean absolute log error over the table's GEMMs: the smooth roofline explains them to about a tenth.
        Assert.True(gemm.MeanAbsLogError < 0.15, $"{gemm.MeanAbsLogError}");
        var assumptions = LlmProjector.Project(Catalog.Value, Preset("mistral-7b"), new LlmDeployment("nvidia-a100-sxm-80gb", "fp16", OperatorRoots: [Operators])).Assumptions;
        Assert.Contains(assumptions, a => a.StartsWith("step = the sum of its operators; dense operators measured on nvidia-h100-sxm", StringComparison.Ordinal) && a.Contains("carried to nvidia-a100-sxm-80gb", StringComparison.Ordinal));
        Assert.Contains(assumptions, a => a.StartsWith("GEMMs without a measured shape", StringComparison.Ordinal));
    }

    [Fact]
    public void TensorParallel_AddsTwoAllReducesPerLayer_FromTheLinkAndTheLearnedRing()
    {
        var step = Project("llama-2-70b", tp: 4);
        var efficiency = OperatorEfficiency.Learn(H100Tables, step.Target);
        var ar = efficiency.AllReduce!;
        const int tokens = 64;
        var expected = 80 * 2 * (ar.FixedSeconds + (2.0 * 3 / 4 * tokens * 8192 * 2 / (ar.LinkShare * 450e9)));

        var rows = step.Breakdown(LlmBatch.Decode(tokens, 100)).ToDictionary(r => r.Operator, r => r.Seconds);

        Assert.Equal(expected, rows["all_reduce"], 12);
        Assert.Equal(H100Tables.AllReducePoints.Min(p => p.Seconds), ar.FixedSeconds);
    }

    [Fact]
    public void MixtureOfExperts_ReadsTheExpertsTheTokensTouch()
    {
        // Mixtral: 8 experts, 2 per token. One token touches 2 experts; many tokens touch all 8: the feed-forward of a
        // large batch costs at most 4× a single token's weights (all 8 vs 2), plus compute.
        var step = Project("mixtral-8x7b", tp: 2);
        var one = step.LayerOperator("mlp_down_proj", 1).Seconds;
        var many = step.LayerOperator("mlp_down_proj", 256).Seconds;

        Assert.InRange(many / one, 3.5, 12);
        Assert.True(step.LayerOperator("mlp_up_proj", 1).Seconds > 0);
    }

    [Fact]
    public void BrokenTable_NamesTheFileAndTheLine()
    {
        var root = Directory.CreateTempSubdirectory("operators-");
        try
        {
            var folder = Directory.CreateDirectory(Path.Combine(root.FullName, "my-gpu"));
            File.WriteAllText(Path.Combine(folder.FullName, "mine.mlp.csv"),
                "time_stats.mlp_up_proj.median,n_head,n_kv_head,n_embd,n_expanded_embd,vocab_size,use_gated_mlp,num_tokens,num_tensor_parallel_workers\n0.5,32,8,4096,14336,32000,True,1,1\nabc,32,8,4096,14336,32000,True,2,1\n");

            var error = Assert.Throws<OperatorTableException>(() => OperatorLibrary.Load("my-gpu", [root.FullName]));

            Assert.Equal("mine.mlp.csv: line 3, column 1: not a finite, non-negative number", error.Message);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void UsersOwnTable_TakesPrecedence_ForTheShapesItHas()
    {
        var root = Directory.CreateTempSubdirectory("operators-");
        try
        {
            var folder = Directory.CreateDirectory(Path.Combine(root.FullName, OperatorSteps.ReferenceDevice));
            File.WriteAllText(Path.Combine(folder.FullName, "mine.mlp.csv"),
                "time_stats.mlp_up_proj.median,n_head,n_kv_head,n_embd,n_expanded_embd,vocab_size,use_gated_mlp,num_tokens,num_tensor_parallel_workers\n1.5,32,32,4096,11008,32000,True,1,1\n2.5,32,32,4096,11008,32000,True,4096,1\n");

            var library = OperatorLibrary.Load(OperatorSteps.ReferenceDevice, [root.FullName, Operators])!;
            Assert.True(library.TryGetCurve(OperatorShapes.Of("mlp_up_proj", LayerDims.Of(Preset("llama-2-7b")), 1), out var mine));
            Assert.True(library.TryGetCurve(OperatorShapes.Of("attn_pre_proj", LayerDims.Of(Preset("llama-2-7b")), 1), out var shipped));

            Assert.Equal(1.5e-3, mine.At(1));
            Assert.Equal(2e-3, mine.At(2048.5));
            Assert.Equal(FromCsv("Llama-2-7b-hf.mlp.csv", "attn_pre_proj", 4096, 1), shipped.At(4096), 12);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
