using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Tests.Llm;

/// <summary>Requests that open with a shared prefix skip its prefill while a replica holds it; the hit rate is counted.</summary>
public sealed class PrefixCachingTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(Path.Combine(RepositoryPaths.Root, "data", "catalog")));

    private static Scenario Spaced(bool? caching, int groups = 1) => new()
    {
        Seed = 5,
        Horizon = new Horizon { Queries = 10 },
        Workload = new Core.Scenarios.Workload
        {
            // One request a second, each alone on the replica: 300-token prompts opening with a 100-token system prompt.
            Arrivals = new ArrivalSpec { Kind = ScenarioNames.Constant, RatePerSecond = 1 },
            Tokens = new TokensSpec
            {
                Input = new TokenDistributionSpec { Distribution = ScenarioNames.Deterministic, Mean = 300 },
                Output = new TokenDistributionSpec { Distribution = ScenarioNames.Deterministic, Mean = 2 },
            },
            Prefix = new PrefixSpec { Tokens = 100, Groups = groups },
        },
        Pools = [new PoolSpec { Name = "gpu", Device = "nvidia-h100-sxm", Count = 1, Llm = new LlmSpec { Model = "llama-3-8b", Precision = "fp16", PrefixCaching = caching } }],
    };

    [Fact]
    public void TheFirstRequestComputesThePrefix_EveryLaterOneSkipsItsWholeBlocks()
    {
        var model = SimulationModel.Compile(Spaced(caching: null), Catalog.Value);
        var step = model.Pools[0].Llm!.Step;
        var records = new List<QueryRecord>();

        var result = SimulationRunner.RunReplication(model, 0, records.Add);

        // Miss: the whole 300-token prompt, then one decode over 300 cached tokens. Hit: 96 of the 100 prefix tokens
        // are whole 16-token blocks; the other 204 are prefilled attending to them.
        var decode = step.StepSeconds(LlmBatch.Decode(1, 300));
        var miss = step.StepSeconds(LlmBatch.Prefill(300)) + step.RequestOverheadSeconds;
        var hit = step.StepSeconds(LlmBatch.Prefill(300, cached: 96)) + step.RequestOverheadSeconds;
        var llm = result.Pools[0].Llm!;
        Assert.Equal(10, llm.PrefixLookups);
        Assert.Equal(9, llm.PrefixHits);
        Assert.Equal(10, records.Count);
        Assert.Equal(miss + decode, records[0].LatencySeconds, 12);
        Assert.All(records.Skip(1), r => Assert.Equal(hit + decode, r.LatencySeconds, 12));
        Assert.Equal(((miss + (9 * hit)) / 10) * 1000, result.TtftMs!.Mean, 9);
        Assert.True(hit < miss);
    }

    [Fact]
    public void WithPrefixCachingOff_EveryPromptIsPrefilledWhole()
    {
        var model = SimulationModel.Compile(Spaced(caching: false), Catalog.Value);
        var step = model.Pools[0].Llm!.Step;
        var records = new List<QueryRecord>();

        var result = SimulationRunner.RunReplication(model, 0, records.Add);

        Assert.Equal(0, result.Pools[0].Llm!.PrefixLookups);
        var expected = step.StepSeconds(LlmBatch.Prefill(300)) + step.RequestOverheadSeconds + step.StepSeconds(LlmBatch.Decode(1, 300));
        Assert.All(records, r => Assert.Equal(expected, r.LatencySeconds, 12));
    }

    [Fact]
    public void ManyGroups_MissOncePerGroupSeen()
    {
        // 10 requests over 1,000 prefixes: the first sight of a group misses. The groups drawn are the sampler's; the
        // hits are exactly the repeats among them.
        var result = SimulationRunner.Run(SimulationModel.Compile(Spaced(caching: true, groups: 1000) with { Horizon = new Horizon { Queries = 2000 } }, Catalog.Value));
        var llm = result.Pools[0].Llm!;

        Assert.Equal(2000, llm.PrefixLookups);
        // Expected distinct groups among 2,000 uniform draws of 1,000: 1000 × (1 − (1 − 1/1000)^2000) = 864.8; sd 9.0 (the occupancy problem's exact variance).
        var distinct = llm.PrefixLookups - llm.PrefixHits;
        Assert.InRange(distinct, 864.8 - (5 * 9), 864.8 + (5 * 9));
    }

    [Fact]
    public void ConstantArrivals_AreEvenlySpaced()
    {
        var arrivals = new InferencePlanner.Simulation.Workload.ConstantArrivals(4);
        var times = Enumerable.Range(0, 5).Select(_ => arrivals.NextArrival(0)).ToArray();

        Assert.Equal(new[] { 0.25, 0.5, 0.75, 1.0, 1.25 }, times);
    }

    [Fact]
    public void AModelGivenByItsConfigKeys_RunsBitIdenticallyToItsPreset()
    {
        // Llama 3 8B's config.json keys inline, against the preset of the same figures.
        var preset = Spaced(caching: true) with { Horizon = new Horizon { Queries = 300 } };
        var inline = preset with
        {
            Pools = [preset.Pools![0] with
            {
                Llm = preset.Pools[0].Llm! with
                {
                    Model = new Core.Llm.LlmModelSpec
                    {
                        Inline = new Core.Llm.HfModelConfig
                        {
                            NumHiddenLayers = 32, HiddenSize = 4096, NumAttentionHeads = 32, NumKeyValueHeads = 8, IntermediateSize = 14336,
                            VocabSize = 128_256, TieWordEmbeddings = false, ModelType = "llama",
                        },
                    },
                },
            }],
        };

        var a = SimulationRunner.Run(SimulationModel.Compile(preset, Catalog.Value));
        var b = SimulationRunner.Run(SimulationModel.Compile(inline, Catalog.Value));

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a), System.Text.Json.JsonSerializer.Serialize(b));
    }

    [Fact]
    public void AShortPromptCachesOnlyThePartOfThePrefixItComputed()
    {
        // A 50-token prompt opens with 49 tokens of the 100-token prefix: 48 in whole blocks. The 300-token prompt after
        // it reuses those 48, not the 96 its own prefix would give.
        var trace = Path.Combine(Path.GetTempPath(), $"prefix-{Guid.NewGuid():N}.csv");
        File.WriteAllText(trace, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00.0000000,50,2\n2023-11-16 18:00:01.0000000,300,2\n");
        try
        {
            var scenario = Spaced(caching: true) with
            {
                Horizon = new Horizon { Queries = 2 },
                Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = ScenarioNames.Trace, Path = trace }, Prefix = new PrefixSpec { Tokens = 100, Groups = 1 } },
            };
            var model = SimulationModel.Compile(scenario, Catalog.Value);
            var step = model.Pools[0].Llm!.Step;
            var records = new List<QueryRecord>();

            var result = SimulationRunner.RunReplication(model, 0, records.Add);

            var expected = step.StepSeconds(LlmBatch.Prefill(300, cached: 48)) + step.RequestOverheadSeconds + step.StepSeconds(LlmBatch.Decode(1, 300));
            Assert.Equal(expected, records[1].LatencySeconds, 12);
            Assert.Equal((2, 1), (result.Pools[0].Llm!.PrefixLookups, result.Pools[0].Llm!.PrefixHits));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public void LongPromptsShortAnswers_AreLimitedByTheTokenBudget_BeforeTheRun()
    {
        // 1,000-token prompts, 10-token answers, 2,048 tokens an iteration: the prompts, not the sequences, set the pace.
        var scenario = Spaced(caching: false) with
        {
            Workload = new Core.Scenarios.Workload
            {
                Arrivals = new ArrivalSpec { Kind = ScenarioNames.Poisson, RatePerSecond = 400 },
                Tokens = new TokensSpec
                {
                    Input = new TokenDistributionSpec { Distribution = ScenarioNames.Deterministic, Mean = 1000 },
                    Output = new TokenDistributionSpec { Distribution = ScenarioNames.Deterministic, Mean = 10 },
                },
            },
        };
        var model = SimulationModel.Compile(scenario with { Pools = [scenario.Pools![0] with { Llm = scenario.Pools[0].Llm! with { MaxBatchedTokens = 2048, MaxSequences = 128 } }] }, Catalog.Value);

        var estimate = LlmCapacity.PerReplica(model.Pools[0].Llm!, 1000, 10);
        var result = SimulationRunner.Run(model);

        Assert.True(estimate.RequestsPerSecond <= ((2048 - 128) / (1000 * estimate.StepSeconds)) * (1 + 1e-9), $"{estimate.RequestsPerSecond} req/s");
        Assert.StartsWith("maxBatchedTokens 2048", estimate.LimitedBy, StringComparison.Ordinal);
        Assert.False(result.Stable);
        Assert.Contains("emit at most", result.Reason!, StringComparison.Ordinal);
    }
}
