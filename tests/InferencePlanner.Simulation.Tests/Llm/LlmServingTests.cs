using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Tests.Llm;

public sealed class LlmServingTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(Path.Combine(RepositoryPaths.Root, "data", "catalog")));

    private static Scenario Pool(string model, string precision, int replicas, ArrivalSpec arrivals, Horizon horizon, int maxBatchedTokens = 8192, int maxSequences = 256,
        TokensSpec? tokens = null, int tensorParallel = 1) => new()
        {
            Seed = 3,
            Horizon = horizon,
            Workload = new Core.Scenarios.Workload { Arrivals = arrivals, Tokens = tokens },
            Pools =
            [
                new PoolSpec
                {
                    Name = "gpu",
                    Device = "nvidia-h100-sxm",
                    Region = "aws-us-east-1",
                    Count = replicas,
                    Llm = new LlmSpec { Model = model, Precision = precision, MaxBatchedTokens = maxBatchedTokens, MaxSequences = maxSequences, TensorParallel = tensorParallel },
                },
            ],
            Slo = new SloSpec { TtftMs = 2000, TpotMs = 100, Percentile = 99 },
        };

    [Theory]
    [InlineData(500, 20, 8192)]
    [InlineData(5000, 7, 2048)]
    public void LoneRequest_TakesPrefillThenNMinusOneDecodeSteps_Exactly(int input, int output, int budget)
    {
        using var trace = Engine.TraceFile.Write([0], context: input, generated: output);
        var scenario = Pool("llama-3-8b", "fp16", 1, new ArrivalSpec { Kind = "trace", Path = trace.Path }, new Horizon { Queries = 1 }, maxBatchedTokens: budget);
        var model = SimulationModel.Compile(scenario, Catalog.Value);
        var step = model.Pools[0].Llm!.Step;

        var records = new List<QueryRecord>();
        var result = SimulationRunner.RunReplication(model, 0, records.Add);

        // Prefill in chunks of the token budget (the last chunk yields the first token), then one decode step
        // per further token, each reading one more cached token.
        var expectedTtft = 0.0;
        for (var done = 0; done < input; done += budget)
        {
            var chunk = Math.Min(budget, input - done);
            expectedTtft += step.StepSeconds(new LlmBatch(0, 0, chunk, 1, chunk * (done + ((chunk + 1) / 2.0)), done));
        }

        // The request's own overhead (API, tokenization, streaming) comes on top of its first token and its end.
        expectedTtft += step.RequestOverheadSeconds;
        var expected = expectedTtft;
        for (var k = 1; k < output; k++)
        {
            expected += step.StepSeconds(LlmBatch.Decode(1, input + k - 1));
        }

        var record = Assert.Single(records);
        Assert.Equal(expected, record.LatencySeconds, 12);
        Assert.Equal(expectedTtft * 1000, result.TtftMs!.Mean, 9);
        Assert.Equal((expected - expectedTtft) / (output - 1) * 1000, result.TpotMs!.Mean, 9);
        Assert.Equal(Math.Ceiling(input / (double)budget) + output - 1, result.Pools[0].Llm!.Iterations);
    }

    [Theory]
    [InlineData(500, 20, 8192)]
    [InlineData(5000, 7, 2048)]
    public void LoneRequest_BatchComposition_IsItsPromptOnceAndOneDecodePerLaterStep(int input, int output, int budget)
    {
        // A window of simulated time that holds the whole request: every iteration is measured.
        using var trace = Engine.TraceFile.Write([0], context: input, generated: output);
        var scenario = Pool("llama-3-8b", "fp16", 1, new ArrivalSpec { Kind = "trace", Path = trace.Path }, new Horizon { Seconds = 1000 }, maxBatchedTokens: budget);
        var llm = SimulationRunner.RunReplication(SimulationModel.Compile(scenario, Catalog.Value), 0).Pools[0].Llm!;

        var iterations = Math.Ceiling(input / (double)budget) + output - 1;
        Assert.Equal(iterations, llm.Iterations);
        Assert.Equal(input / iterations, llm.MeanPrefillTokensPerStep, 12);
        Assert.Equal((output - 1) / iterations, llm.MeanDecodeTokensPerStep, 12);
    }

    [Fact]
    public void GenerativeSeries_AddUpToTheWindowsFigures()
    {
        // Buckets of one second over a 60 s window: their time means, weighted by width, are the window's own integrals.
        var tokens = new TokensSpec
        {
            Input = new TokenDistributionSpec { Distribution = "lognormal", Mean = 1000, Scv = 0.8, Max = 6000 },
            Output = new TokenDistributionSpec { Distribution = "lognormal", Mean = 200, Scv = 0.6, Max = 1000 },
        };
        var scenario = Pool("llama-3-8b", "fp16", 2, new ArrivalSpec { Kind = "poisson", RatePerSecond = 6 }, new Horizon { Seconds = 60, WarmupSeconds = 10 }, tokens: tokens)
            with { TimeSeriesIntervalSeconds = 1 };
        var result = SimulationRunner.RunReplication(SimulationModel.Compile(scenario, Catalog.Value), 0);
        var series = result.TimeSeries!;
        var llm = result.Pools[0].Llm!;
        Assert.Equal(60, series.StartSeconds.Count);
        Assert.Equal(llm.KvCacheUtilization, series.KvCacheUtilization!.Average(), 9);
        Assert.Equal(llm.MeanRunningSequences, series.RunningSequences!.Average(), 9);
        Assert.True(llm.KvCacheUtilization > 0 && llm.MeanRunningSequences > 1, "the pool carries load");
        // Every bucket's composition is a mean over its iterations: never more decodes than running sequences could give,
        // and the window's mean lies between the buckets' extremes.
        Assert.InRange(llm.MeanDecodeTokensPerStep, series.DecodeTokensPerStep!.Min(), series.DecodeTokensPerStep!.Max());
        Assert.InRange(llm.MeanPrefillTokensPerStep, series.PrefillTokensPerStep!.Min(), series.PrefillTokensPerStep!.Max());
        // Preemptions in the window's one-second buckets are at most the run's (which counts warm-up and drain too).
        Assert.InRange(series.PreemptionsPerSecond!.Sum(), 0, llm.Preemptions);

        // A replica spans its tensor-parallel group: the result says how many devices each one is.
        var pairs = Pool("llama-3-70b", "fp8", 1, new ArrivalSpec { Kind = "poisson", RatePerSecond = 1 }, new Horizon { Queries = 20 }, tokens: tokens, tensorParallel: 2);
        Assert.Equal(2, SimulationRunner.RunReplication(SimulationModel.Compile(pairs, Catalog.Value), 0).Pools[0].DevicesPerServer);
    }

    [Fact]
    public void SingleBatchPools_HaveNoGenerativeSeries()
    {
        var scenario = new Scenario
        {
            Seed = 1,
            Horizon = new Horizon { Seconds = 20 },
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 5 } },
            Pools = [new PoolSpec { Name = "cpu", Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 100 } }],
            TimeSeriesIntervalSeconds = 1,
        };
        var series = SimulationRunner.RunReplication(SimulationModel.Compile(scenario), 0).TimeSeries!;
        Assert.Null(series.KvCacheUtilization);
        Assert.Null(series.DecodeTokensPerStep);
        Assert.Equal(1, SimulationRunner.RunReplication(SimulationModel.Compile(scenario), 0).Pools[0].DevicesPerServer);
    }

    [Fact]
    public void TokenThroughput_NeverExceedsTheRooflineBound()
    {
        // Offered 2,000 requests/s × 200 output tokens = 400,000 tokens/s, several times what two replicas can emit, so
        // the pool runs flat out and the bound is the one that binds (under it, the output would just follow the input).
        var scenario = Pool("llama-3-8b", "fp16", 2, new ArrivalSpec { Kind = "poisson", RatePerSecond = 2000 }, new Horizon { Seconds = 10, WarmupSeconds = 0 },
            tokens: new TokensSpec { Input = new TokenDistributionSpec { Distribution = "lognormal", Mean = 800, Scv = 1 }, Output = new TokenDistributionSpec { Distribution = "lognormal", Mean = 200, Scv = 1, Max = 2000 } });
        // Flat out on purpose: run it even though the check before the run calls it unstable.
        var model = SimulationModel.Compile(scenario, Catalog.Value).WithoutCheckBeforeRun();
        var step = Assert.IsType<OperatorStepModel>(model.Pools[0].Llm!.Step);
        Assert.True(Catalog.Value.TryGetDevice("nvidia-h100-sxm", out var h100));

        var result = SimulationRunner.Run(model);

        // An iteration yields at most maxSequences tokens and lasts at least the time to read every weight at the
        // data sheet's bandwidth; nor can tokens outrun the data sheet's peak compute at 2 FLOPs per active parameter.
        var minimumStep = step.WeightBytesPerDevice / (h100.MemoryBandwidthGBps.Value!.Value * 1e9);
        var byMemory = 2 * 256 / minimumStep;
        var byCompute = 2 * h100.PeakFp16Tflops.Value!.Value * 1e12 / (2 * step.Model.ActiveParameters);
        Assert.True(result.OutputTokensPerSecond > 0, $"stable {result.Stable}: {result.Reason}");
        Assert.False(result.Stable); // and the run says so from its growing line
        Assert.True(result.OutputTokensPerSecond <= Math.Min(byMemory, byCompute), $"{result.OutputTokensPerSecond:N0} tokens/s over the bound {Math.Min(byMemory, byCompute):N0}");
    }

    [Fact]
    public void KvCache_AdmissionRespectsCapacity_AndPreemptionReturnsTheMemory()
    {
        // Llama 3 70B at fp8 on one H100 leaves little room for the cache: long prompts and answers force preemptions.
        var scenario = Pool("llama-3-70b", "fp8", 1, new ArrivalSpec { Kind = "poisson", RatePerSecond = 4 }, new Horizon { Queries = 400 },
            tokens: new TokensSpec { Input = new TokenDistributionSpec { Distribution = "deterministic", Mean = 1500 }, Output = new TokenDistributionSpec { Distribution = "deterministic", Mean = 600 } });
        // More than the replica keeps up with (the check before the run says so): run anyway, for the cache's sake.
        var model = SimulationModel.Compile(scenario, Catalog.Value).WithoutCheckBeforeRun();

        var result = SimulationRunner.Run(model);
        var llm = result.Pools[0].Llm!;

        Assert.True(llm.KvCapacityTokensPerReplica > 0);
        Assert.True(llm.Preemptions > 0, "the cache must run out in this case");
        Assert.True(llm.PeakKvTokensPerReplica <= llm.KvCapacityTokensPerReplica);
        Assert.Equal(0, llm.KvTokensAtEnd);
        Assert.Equal(result.Arrivals, result.Completed + result.Rejected + result.Abandoned);
    }

    [Fact]
    public void KvCapacity_IsMemoryLessWeightsOverBytesPerToken()
    {
        LlmModelPresets.TryGet("llama-3-8b", out var llama);

        // 8.03 B parameters; KV per token = 2 × 32 layers × 8 KV heads × 128 × 2 bytes = 131,072 bytes.
        Assert.InRange(llama.Parameters / 1e9, 8.02, 8.04);
        Assert.Equal(131_072, llama.KvBytesPerToken(2));
        var expected = (long)(((80e9 * 0.9) - (llama.Parameters * 2)) / 131_072);
        Assert.Equal(expected, LlmMemory.KvCapacityTokens(llama, 80, 1, 0.9, 2, 2));
    }

    [Fact]
    public void Presets_MatchTheirPublishedSizes()
    {
        static double Billions(string id) => LlmModelPresets.All.Single(p => p.Id == id).Parameters / 1e9;

        Assert.InRange(Billions("llama-3-70b"), 70.4, 70.8);
        Assert.InRange(Billions("llama-2-70b"), 68.8, 69.1);
        Assert.InRange(Billions("mistral-7b"), 7.2, 7.3);
        Assert.InRange(Billions("gpt-j-6b"), 6.0, 6.1);
        Assert.InRange(Billions("mixtral-8x7b"), 46.6, 46.8);
        Assert.InRange(Billions("tinyllama-1.1b"), 1.09, 1.11);
        Assert.InRange(LlmModelPresets.All.Single(p => p.Id == "mixtral-8x7b").ActiveParameters / 1e9, 12.8, 13.0);
        // Llama 2 13B: 13,015,864,320 weights as published; Code Llama 34B 33.7 B; Mixtral 8x22B 141 B with 39 B
        // active; Qwen2.5 7.61 B and 72.7 B, Phi-2 2.78 B (their few biases aside).
        Assert.Equal(13_015_864_320, LlmModelPresets.All.Single(p => p.Id == "llama-2-13b").Parameters);
        Assert.InRange(Billions("codellama-34b"), 33.65, 33.75);
        Assert.InRange(Billions("mixtral-8x22b"), 140.5, 141.5);
        Assert.InRange(LlmModelPresets.All.Single(p => p.Id == "mixtral-8x22b").ActiveParameters / 1e9, 38.5, 39.5);
        Assert.InRange(Billions("qwen2.5-7b"), 7.61, 7.62);
        Assert.InRange(Billions("qwen2.5-72b"), 72.65, 72.75);
        Assert.InRange(Billions("phi-2"), 2.775, 2.785);
    }

    [Fact]
    public void ConversationTrace_EveryRowIsAccountedFor_AndRunsRepeatBitForBit()
    {
        var scenario = Pool("llama-3-8b", "fp16", 2, new ArrivalSpec { Kind = "trace", Path = "azure-llm-2023-conv.csv" }, new Horizon { Queries = 19_366 });
        var model = SimulationModel.Compile(scenario, Catalog.Value);

        var a = SimulationRunner.Run(model);
        var b = SimulationRunner.Run(model);

        Assert.Equal(19_366, a.Arrivals);
        Assert.Equal(19_366, a.Completed + a.Rejected + a.Abandoned);
        Assert.Equal(JsonSerializer.Serialize(a), JsonSerializer.Serialize(b));
        Assert.True(a.TtftMs!.P99 > 0 && a.TpotMs!.P99 > 0);
    }

    [Fact]
    public void LocalCpu_ServesFromTheMeasuredLlmBlockSteps_ScaledToThePreset()
    {
        var profiles = Core.Profiles.ProfileStore.Load(Path.Combine(RepositoryPaths.Root, "data", "profiles"));
        var measured = profiles.All.Single(p => p.LlmSteps is not null).LlmSteps!;
        Assert.True(measured.MsPerToken > 0 && measured.RSquared > 0.9, $"per token {measured.MsPerToken} ms, R² {measured.RSquared}");

        using var trace = Engine.TraceFile.Write([0], context: 64, generated: 5);
        var scenario = new Scenario
        {
            Seed = 1,
            Horizon = new Horizon { Queries = 1 },
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "trace", Path = trace.Path } },
            Pools = [new PoolSpec { Name = "cpu", Device = "local-cpu", Count = 1, Llm = new LlmSpec { Model = "tinyllama-1.1b", Precision = "fp32" } }],
        };
        var model = SimulationModel.Compile(scenario, Catalog.Value, profiles: profiles);
        var step = Assert.IsType<MeasuredLlmStepModel>(model.Pools[0].Llm!.Step);

        var records = new List<QueryRecord>();
        SimulationRunner.RunReplication(model, 0, records.Add);

        var expected = step.StepSeconds(new LlmBatch(0, 0, 64, 1, 64 * 32.5, 0));
        for (var k = 1; k < 5; k++)
        {
            expected += step.StepSeconds(LlmBatch.Decode(1, 64 + k - 1));
        }

        Assert.Equal(expected, Assert.Single(records).LatencySeconds, 12);
    }

    [Fact]
    public void LocalCpu_WithoutAMeasuredProfile_SaysHowToGetOne()
    {
        var scenario = new Scenario
        {
            Horizon = new Horizon { Queries = 10 },
            Workload = new Core.Scenarios.Workload
            {
                Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 1 },
                Tokens = new TokensSpec { Input = new TokenDistributionSpec { Distribution = "deterministic", Mean = 10 }, Output = new TokenDistributionSpec { Distribution = "deterministic", Mean = 10 } },
            },
            Pools = [new PoolSpec { Name = "cpu", Device = "local-cpu", Count = 1, Llm = new LlmSpec { Model = "tinyllama-1.1b", Precision = "fp32" } }],
        };

        var ex = Assert.Throws<ScenarioException>(() => SimulationModel.Compile(scenario, Catalog.Value, profiles: Core.Profiles.ProfileStore.Empty));

        Assert.Contains("calibrate --model llm-block", ex.Message, StringComparison.Ordinal);
    }
}
