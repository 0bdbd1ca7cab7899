using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Planning.Tests.Sizing;

/// <summary>A generative pool whose tensor-parallel degree is left open: it runs at the smallest that fits, and sizing tries each.</summary>
public sealed class ParallelismSearchTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static Scenario Chatbot(int? tensorParallel) => new()
    {
        Name = "70b chatbot",
        Seed = 9,
        Horizon = new Horizon { Queries = 2_000, WarmupQueries = 200 },
        Workload = new Workload
        {
            Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 10 },
            Tokens = new TokensSpec
            {
                Input = new TokenDistributionSpec { Distribution = "lognormal", Mean = 1155, Scv = 0.8, Max = 6000 },
                Output = new TokenDistributionSpec { Distribution = "lognormal", Mean = 211, Scv = 0.6, Max = 1000 },
            },
        },
        Pools = [new PoolSpec { Name = "h100", Device = "nvidia-h100-sxm", Region = "gcp-us-central1", Count = 1, Llm = new LlmSpec { Model = "llama-3-70b", Precision = "fp16", TensorParallel = tensorParallel } }],
        Slo = new SloSpec { TtftMs = 2000, TpotMs = 80, Percentile = 99 },
        Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 },
    };

    private static bool Fits(int tp)
    {
        LlmModelPresets.TryGet("llama-3-70b", out var preset);
        try
        {
            LlmProjector.Project(Catalog.Value, preset, new LlmDeployment("nvidia-h100-sxm", "fp16", TensorParallel: tp));
            return true;
        }
        catch (LlmProjectionException)
        {
            return false;
        }
    }

    [Fact]
    public void AnOpenDegree_RunsAtTheSmallestTheModelFits_AndIsCountedAsSuch()
    {
        // 70 billion fp16 weights (141 GB) do not fit one 80 GB H100.
        Assert.False(Fits(1));
        var smallest = LlmPoolModel.OpenDegrees.First(Fits);

        var model = SimulationModel.Compile(Chatbot(null), Catalog.Value);

        Assert.True(model.Pools[0].ParallelismOpen);
        Assert.Equal(smallest, model.Pools[0].Spec.Llm!.TensorParallel);
        Assert.Equal(smallest, SimulationRunner.Run(model, new SimulationOptions { Replications = 1 }).Pools[0].DevicesPerServer);
        // A listed degree that does not fit is refused by its path, as before.
        var refused = Assert.Throws<ScenarioException>(() => SimulationModel.Compile(Chatbot(1), Catalog.Value));
        Assert.Equal("$.pools[0].llm.tensorParallel", refused.Errors[0].Path);
    }

    [Fact]
    public void Sizing_TriesEachDegree_ChoosesTheFewestDevices_AndShowsWhatEachNeeds()
    {
        var forecast = new Forecaster(Catalog.Value).Forecast(Chatbot(null), new ForecastOptions { SizingQueries = 2_000 });

        var pool = forecast.Months[0].Pools[0];
        var tried = pool.Alternatives!;
        Assert.Equal([1, 2, 4, 8], tried.Select(a => a.TensorParallel));
        Assert.Null(tried[0].Devices);
        Assert.StartsWith("does not fit", tried[0].Note, StringComparison.Ordinal);
        var served = tried.Where(a => a.Devices is not null).ToList();
        Assert.NotEmpty(served);
        Assert.All(served, a => Assert.Equal(a.Replicas * a.TensorParallel, a.Devices));
        var chosen = Assert.Single(tried, a => a.Chosen);
        Assert.Equal(served.Min(a => a.Devices), chosen.Devices);
        Assert.Equal(served.Where(a => a.Devices == chosen.Devices).Min(a => a.TensorParallel), chosen.TensorParallel);

        // The month is sized, priced and counted at the chosen degree.
        Assert.Equal(chosen.TensorParallel, pool.TensorParallel);
        Assert.Equal(chosen.Replicas, pool.RequiredCount);
        Assert.Equal(pool.UsdPerDeviceHour!.Value * 730.5 * pool.Count * chosen.TensorParallel, pool.CostUsd!.Value, 6);
    }

    [Fact]
    public void AListedDegree_IsSizedAsListed_WithNoAlternatives()
    {
        var pool = new Forecaster(Catalog.Value).Forecast(Chatbot(4), new ForecastOptions { SizingQueries = 2_000 }).Months[0].Pools[0];

        Assert.Null(pool.Alternatives);
        Assert.Equal(4, pool.TensorParallel);
    }
}
