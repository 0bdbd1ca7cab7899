using InferencePlanner.Calibration.Costs;
using InferencePlanner.Calibration.Models;
using InferencePlanner.Calibration.Profiling;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferencePlanner.Calibration.Tests.Models;

public sealed class ModelZooTests
{
    [Fact]
    public void Mlp_OnnxRuntimeOutput_EqualsAPlainCSharpForwardPass()
    {
        int[] sizes = [7, 16, 9, 3];
        var random = new Random(17);
        var weights = new List<float[]>();
        var biases = new List<float[]>();
        for (var i = 0; i + 1 < sizes.Length; i++)
        {
            weights.Add(Enumerable.Range(0, sizes[i] * sizes[i + 1]).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
            biases.Add(Enumerable.Range(0, sizes[i + 1]).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
        }

        var model = ModelZoo.Mlp(sizes, weights: weights, biases: biases);
        const int batch = 5;
        var input = Enumerable.Range(0, batch * sizes[0]).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        var (session, _) = OrtSessionFactory.Create(model.Proto, threads: 1);
        using (session)
        {
            var tensor = new DenseTensor<float>(input, [batch, sizes[0]]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
            var actual = results.Single().AsTensor<float>().ToArray();

            var expected = Reference(input, batch, sizes, weights, biases);
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                // float32 sums in another order: a few units in the last place of values of order 1.
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: {actual[i]} vs {expected[i]}");
            }
        }
    }

    /// <summary>relu(x·W₀ + b₀)·W₁ + b₁ …, in double, row-major weights [in, out].</summary>
    private static double[] Reference(float[] input, int batch, int[] sizes, List<float[]> weights, List<float[]> biases)
    {
        var x = input.Select(v => (double)v).ToArray();
        for (var l = 0; l + 1 < sizes.Length; l++)
        {
            var (n, m) = (sizes[l], sizes[l + 1]);
            var y = new double[batch * m];
            for (var r = 0; r < batch; r++)
            {
                for (var j = 0; j < m; j++)
                {
                    var sum = (double)biases[l][j];
                    for (var k = 0; k < n; k++)
                    {
                        sum += x[(r * n) + k] * weights[l][(k * m) + j];
                    }

                    y[(r * m) + j] = l + 2 < sizes.Length ? Math.Max(0, sum) : sum;
                }
            }

            x = y;
        }

        return x;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void Mlp_CountedWork_EqualsTheHandCount(int batch)
    {
        int[] sizes = [1024, 4096, 4096, 1024];
        var model = ModelZoo.Mlp(sizes);

        var cost = GraphCost.Analyze(model.Proto, bindings: model.Bindings(batch));

        double macs = 0, flops = 0, bytes = 0, weights = 0;
        for (var l = 0; l + 1 < sizes.Length; l++)
        {
            var (n, m) = ((double)sizes[l], (double)sizes[l + 1]);
            macs += batch * n * m;
            weights += ((n * m) + m) * 4;
            flops += batch * m;                                   // bias add
            bytes += ((batch * n) + (n * m) + (batch * m)) * 4;  // MatMul: x, W, y
            bytes += ((batch * m) + m + (batch * m)) * 4;        // Add: y, b, out
            if (l + 2 < sizes.Length)
            {
                flops += batch * m;                               // ReLU
                bytes += 2 * batch * m * 4;
            }
        }

        Assert.Empty(cost.Unsupported);
        Assert.Equal(macs, cost.Macs);
        Assert.Equal((2 * macs) + flops, cost.TotalFlops);
        Assert.Equal(bytes, cost.Bytes);
        Assert.Equal(weights, cost.WeightBytes);
        Assert.Equal(weights / 4, model.Parameters);
    }

    [Theory]
    [InlineData("bert-base", 12, 768, 12, 128)]
    [InlineData("bert-large-2-layers", 2, 1024, 16, 384)]
    public void Bert_CountedMacs_EqualTheHandCount(string name, int layers, int hidden, int heads, int sequence)
    {
        var model = ModelZoo.Bert(name, layers, hidden, heads, sequence);
        const int batch = 2;

        var cost = GraphCost.Analyze(model.Proto, bindings: model.Bindings(batch));

        // Per layer: Q, K, V, O projections (4·S·H²), the feed-forward (2·S·H·4H), and attention's two
        // products (S·S·H each).
        double s = sequence, h = hidden;
        var perLayer = (4 * s * h * h) + (2 * s * h * 4 * h) + (2 * s * s * h);
        Assert.Empty(cost.Unsupported);
        Assert.Equal(batch * layers * perLayer, cost.Macs);
        Assert.Equal(layers * ((12 * h * h) + (13 * h)) * 4, cost.WeightBytes);
        Assert.Equal(batch * layers * 2 * s * s * h, cost.Ops.Where(o => o.Class == OpClass.AttentionMatmul).Sum(o => o.Macs));
        Assert.Equal(batch * layers * heads * s * s * 5, cost.Ops.Where(o => o.Class == OpClass.Softmax).Sum(o => o.Flops));
    }

    [Fact]
    public void ResNet50_CountedMacs_EqualTheLayerByLayerCount_AndThePublished41G()
    {
        var model = ModelZoo.ResNet50();

        var cost = GraphCost.Analyze(model.Proto, bindings: model.Bindings(1));

        var expected = ResNet50Macs();
        Assert.Empty(cost.Unsupported);
        Assert.Equal(expected, cost.Ops.Where(o => o.Class is OpClass.Conv or OpClass.Matmul).Sum(o => o.Macs));
        Assert.InRange(expected / 1e9, 4.05, 4.15); // "≈ 4.1 GMAC per 224×224 image"
        Assert.InRange(model.Parameters / 1e6, 25.4, 25.7); // 25.6 M parameters
    }

    /// <summary>ResNet-50 v1.5 by its published layer table: output size × input channels × kernel area, per convolution.</summary>
    private static double ResNet50Macs()
    {
        double Conv(double outSide, double cin, double cout, double k) => outSide * outSide * cout * cin * k * k;
        var macs = Conv(112, 3, 64, 7);
        double side = 56, channels = 64;
        (int Blocks, double Width)[] stages = [(3, 64), (4, 128), (6, 256), (3, 512)];
        for (var s = 0; s < 4; s++)
        {
            for (var b = 0; b < stages[s].Blocks; b++)
            {
                var inSide = side;
                var outSide = s > 0 && b == 0 ? side / 2 : side;
                var width = stages[s].Width;
                macs += Conv(inSide, channels, width, 1) + Conv(outSide, width, width, 3) + Conv(outSide, width, 4 * width, 1);
                if (b == 0)
                {
                    macs += Conv(outSide, channels, 4 * width, 1);
                }

                side = outSide;
                channels = 4 * width;
            }
        }

        return macs + (2048 * 1000);
    }

    [Fact]
    public void MobileNetV2_IsDepthwise_AndCostsThePublished300MMacs()
    {
        var model = ModelZoo.MobileNetV2();

        var cost = GraphCost.Analyze(model.Proto, bindings: model.Bindings(1));

        Assert.Empty(cost.Unsupported);
        Assert.Equal(17, cost.Ops.Count(o => o.Class == OpClass.DepthwiseConv));
        Assert.InRange(cost.Macs / 1e6, 296, 304);            // ~300 M multiply-adds
        Assert.InRange(model.Parameters / 1e6, 3.45, 3.55);   // 3.5 M parameters
    }

    [Theory]
    [InlineData(4, 1, 100)]
    [InlineData(1, 64, 0)]
    public void LlmBlock_CountedWork_MatchesTheDecoderFormula(int batch, int tokens, int past)
    {
        var config = new LlmBlockConfig { Layers = 2, Hidden = 512, Heads = 8, FeedForward = 1376 };
        var model = ModelZoo.LlmBlock(config);

        var cost = GraphCost.Analyze(model.Proto, config.Shapes(batch, tokens, past));

        double b = batch, t = tokens, h = config.Hidden, f = config.FeedForward, total = past + tokens;
        var weightMacs = b * t * ((4 * h * h) + (3 * h * f));
        var attentionMacs = 2 * b * t * total * h;
        Assert.Empty(cost.Unsupported);
        Assert.Equal(config.Layers * (weightMacs + attentionMacs), cost.Macs);
        // The present cache has past + new tokens.
        Assert.Equal([batch, config.Heads, past + tokens, config.Hidden / config.Heads], cost.Shapes["present_key_1"]);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("resnet50")]
    [InlineData("mobilenet-v2")]
    public void Zoo_ModelsRunInOnnxRuntime_WithADynamicBatch(string name)
    {
        var model = ModelZoo.Create(name);
        var (session, provider) = OrtSessionFactory.Create(model.Proto, threads: 2);
        using (session)
        {
            Assert.Equal(OrtSessionFactory.Cpu, provider.Provider);
            foreach (var batch in new[] { 1, 3 })
            {
                var inputs = model.InputShapes(batch).Select(kv =>
                    NamedOnnxValue.CreateFromTensor(kv.Key, new DenseTensor<float>(new float[kv.Value.Aggregate(1L, (p, d) => p * d)], kv.Value.Select(d => (int)d).ToArray()))).ToList();
                using var results = session.Run(inputs);
                var expectedShape = GraphCost.Analyze(model.Proto, bindings: model.Bindings(batch)).Shapes[session.OutputMetadata.Keys.First()];
                Assert.Equal(expectedShape.Select(d => (int)d), results[0].AsTensor<float>().Dimensions.ToArray());
            }
        }
    }

    [Fact]
    public void LlmBlock_RunsAPrefillThenADecodeStep_WithTheCacheGrowing()
    {
        var config = new LlmBlockConfig { Layers = 2, Hidden = 256, Heads = 4, FeedForward = 688 };
        var model = ModelZoo.LlmBlock(config);
        var (session, _) = OrtSessionFactory.Create(model.Proto, threads: 2);
        using (session)
        {
            static List<NamedOnnxValue> Inputs(IReadOnlyDictionary<string, long[]> shapes) => shapes.Select(kv =>
                NamedOnnxValue.CreateFromTensor(kv.Key, new DenseTensor<float>(new float[kv.Value.Aggregate(1L, (p, d) => p * d)], kv.Value.Select(d => (int)d).ToArray()))).ToList();

            using var prefill = session.Run(Inputs(config.Shapes(2, 16, 0)));
            Assert.Equal([2, 4, 16, 64], prefill.First(r => r.Name == "present_key_0").AsTensor<float>().Dimensions.ToArray());
            using var decode = session.Run(Inputs(config.Shapes(2, 1, 16)));
            Assert.Equal([2, 4, 17, 64], decode.First(r => r.Name == "present_value_1").AsTensor<float>().Dimensions.ToArray());
            Assert.Equal([2, 1, 256], decode.First(r => r.Name == "output").AsTensor<float>().Dimensions.ToArray());
        }
    }

    [Fact]
    public void Cuda_WhenAbsent_FallsBackToCpu_AndSaysWhy()
    {
        var model = ModelZoo.Mlp([4, 4]);

        var (session, provider) = OrtSessionFactory.Create(model.Proto, threads: 1, preferCuda: true);
        using (session)
        {
            // This package carries the CPU provider only; on a GPU build with a GPU, CUDA would be chosen.
            if (provider.Provider == OrtSessionFactory.Cpu)
            {
                Assert.StartsWith("CUDA unavailable", provider.FallbackReason, StringComparison.Ordinal);
            }
            else
            {
                Assert.Null(provider.FallbackReason);
            }

            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(new float[4], [1, 4]))]);
            Assert.Single(results);
        }
    }
}
