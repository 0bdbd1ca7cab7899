using BenchmarkDotNet.Attributes;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;

namespace InferencePlanner.Benchmarks;

/// <summary>
/// A 24-month forecast over three device types at 1 billion queries a day (a diurnal curve whose mean is
/// 11,574 queries/s, peaking at 2.1× that), growing 5 % a month: every month, every pool sized by simulation.
/// </summary>
[MemoryDiagnoser]
public class ForecastBenchmarks
{
    private Forecaster _forecaster = null!;
    private Scenario _scenario = null!;

    [GlobalSetup]
    public void Setup()
    {
        _forecaster = new Forecaster(CatalogLoader.Load());
        _scenario = BillionQueriesADay();
    }

    [Benchmark]
    public double TwentyFourMonthsThreeDeviceTypes() => _forecaster.Forecast(_scenario).Totals.EnergyKWh;

    public static Scenario BillionQueriesADay()
    {
        double[] daily = [0.18, 0.14, 0.12, 0.11, 0.12, 0.16, 0.28, 0.45, 0.64, 0.8, 0.9, 0.96, 0.99, 1.0, 0.97, 0.93, 0.88, 0.82, 0.74, 0.66, 0.55, 0.42, 0.31, 0.23];
        var meanOfShape = daily.Average(); // linear interpolation between hour starts keeps the mean of the 24 values
        var peak = 1e9 / 86_400 / meanOfShape;
        return new Scenario
        {
            Name = "1 billion queries a day",
            Seed = 1,
            Horizon = new Horizon { Queries = 100_000, WarmupQueries = 10_000 },
            Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "diurnal", RatePerSecond = peak, DailyShape = daily } },
            Pools =
            [
                new PoolSpec { Name = "h100", Device = "nvidia-h100-sxm", Region = "aws-us-east-1", Count = 1, Weight = 0.5, Service = new ServiceSpec { Profile = new ProfileSpec { AlphaMs = 1.478, BetaMs = 0.0219, JitterScv = 0.05 } }, Batching = new BatchingSpec { MaxBatch = 32, MaxWaitMs = 3 } },
                new PoolSpec { Name = "a100", Device = "nvidia-a100-sxm-80gb", Region = "gcp-us-central1", Count = 1, Weight = 0.3, Service = new ServiceSpec { Profile = new ProfileSpec { AlphaMs = 2.1, BetaMs = 0.06, JitterScv = 0.05 } }, Batching = new BatchingSpec { MaxBatch = 32, MaxWaitMs = 3 } },
                new PoolSpec { Name = "l4", Device = "nvidia-l4", Region = "gcp-us-central1", Count = 1, Weight = 0.2, Service = new ServiceSpec { Profile = new ProfileSpec { AlphaMs = 1.214, BetaMs = 0.6102, JitterScv = 0.05 } }, Batching = new BatchingSpec { MaxBatch = 16, MaxWaitMs = 3 } },
            ],
            Slo = new SloSpec { LatencyMs = 50, Percentile = 99 },
            Growth = new GrowthSpec { Months = 24, MonthlyGrowthPercent = 5 },
        };
    }
}
