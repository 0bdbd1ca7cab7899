using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Economics;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Export;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Planning.Sizing;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Planning.Tests.Forecasting;

public sealed class ForecasterTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static Scenario MmcOnH100(double rate, int months = 3, double growth = 10) => new()
    {
        Name = "h100 m/m/c",
        Seed = 5,
        Horizon = new Horizon { Queries = 50_000, WarmupQueries = 5_000 },
        Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = rate } },
        Pools = [new PoolSpec { Name = "h100", Device = "nvidia-h100-sxm", Region = "aws-us-east-1", Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 40 } }],
        Slo = new SloSpec { LatencyMs = 300, Percentile = 99 },
        Growth = new GrowthSpec { Months = months, MonthlyGrowthPercent = growth },
    };

    [Fact]
    public void AForecastCutIntoMonthsAndBands_SentAsJson_AssemblesToTheSameForecast_ByteForByte()
    {
        // The demo chatbot over 4 months with growth uncertainty, and the same with one month unreachable: every piece
        // (month × band) as another machine would send it, through JSON, assembled in order.
        var demo = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "chatbot-growth.json"));
        var banded = demo with { Growth = demo.Growth! with { Months = 4, MonthlyGrowthSdPercent = 5 } };
        var forecaster = new Forecaster(Catalog.Value);
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        // Traffic doubling monthly from 100 queries/s at 50 ms each, at most 12 servers a pool: the late months cannot be met.
        var doubling = MmcOnH100(100, months: 5, growth: 100) with
        {
            Pools = [MmcOnH100(100).Pools![0] with { Service = new ServiceSpec { Distribution = "deterministic", MeanMs = 50 } }],
        };
        var cases = new[]
        {
            (Scenario: banded, Options: new ForecastOptions { SizingQueries = 3_000 }),
            (Scenario: doubling, Options: new ForecastOptions { SizingQueries = 20_000, MaxServersPerPool = 12 }),
        };
        foreach (var (scenario, options) in cases)
        {
            var model = forecaster.Compile(scenario);
            var per = Forecaster.PiecesPerMonth(scenario);
            var pieces = Enumerable.Range(0, Forecaster.Months(scenario) * per)
                .Select(c => JsonSerializer.Deserialize<ForecastPiece>(JsonSerializer.Serialize(forecaster.Piece(model, c / per, c % per, options), web), web)!)
                .ToList();

            Assert.Equal(scenario == banded ? 16 : 5, pieces.Count);
            var whole = forecaster.Forecast(model, options);
            Assert.Equal(JsonSerializer.Serialize(whole), JsonSerializer.Serialize(forecaster.Assemble(model, pieces)));
            Assert.Equal(scenario == banded, whole.Months.All(m => m.Unmet is null));
            Assert.Contains(whole.Months, m => m.Unmet is null);
            Assert.Equal(scenario == banded, whole.Months.All(m => m.CostBand is not null));
        }
    }

    [Fact]
    public void Month_CountCostEnergyAndCarbon_EqualTheHandComputation()
    {
        var forecast = new Forecaster(Catalog.Value).Forecast(MmcOnH100(200), new ForecastOptions { SizingQueries = 50_000 });
        var month = forecast.Months[2];
        var pool = Assert.Single(month.Pools);

        // Month 2: 200 × 1.1² = 242 queries/s; the M/M/c minimum for p99 ≤ 300 ms at 25 per server.
        Assert.Equal(242, month.PeakRatePerSecond, 9);
        Assert.Equal(PoolSizer.MmcMinimum(MmcOnH100(200).Pools![0], 242, new SloTarget(300, 99), 300), pool.Count);

        // Cost: the catalog's on-demand H100 price (6.88 USD/h: p5.48xlarge's 55.04 / 8, after the June 2025 cut) × 730.5 h × count.
        Assert.Equal(6.88 * 730.5 * pool.Count, pool.CostUsd!.Value, 6);

        // Energy: count × 730.5 h × (77 W + 623 W × utilization) × PUE 1.135; Poisson traffic has mean = peak.
        Assert.True(Catalog.Value.TryGetDevice("nvidia-h100-sxm", out var h100));
        var watts = FleetEconomics.PowerWatts(h100.IdleWatts.Effective!.Value, 700, pool.Utilization);
        Assert.Equal(pool.Count * 730.5 * watts * 1.135 / 1000, pool.EnergyKWh, 6);
        Assert.Equal(pool.EnergyKWh * 379.069 / 1000, pool.OperationalCarbonKg, 6);
        Assert.Equal(pool.Count * 575 / 48.0, pool.EmbodiedCarbonKg, 6);

        // Utilization close to the offered load per server ρ = λ/(cμ) (0.88 with the 11 servers sized here): busy time over
        // 50,000 exponential services against the span of 50,000 Poisson gaps, relative SE ≈ √(2/n) = 0.0063, so
        // 0.0056 absolute; 0.02 is 3.6 SE.
        Assert.Equal(242 / (pool.Count * 25.0), pool.Utilization, 0.02);
        var queries = 242 * 730.5 * 3600;
        Assert.Equal(queries, month.Queries, 3);
        Assert.Equal(month.CostUsd!.Value / (queries / 1e6), month.CostPerMillionQueriesUsd!.Value, 9);
        Assert.Equal((month.OperationalCarbonKg + month.EmbodiedCarbonKg) * 1000 / queries, month.GramsCo2PerQuery, 12);
        Assert.Equal(forecast.Months.Sum(m => m.CostUsd!.Value), forecast.Totals.CostUsd!.Value, 6);
    }

    [Fact]
    public void Forecast_PoolsWithoutWeights_SplitTrafficByCapacity_AsTheSimulatorDoes()
    {
        // Two pools as the scenario lists them: 2 servers of 10 ms (200 queries/s) and 2 of 20 ms (100 queries/s).
        PoolSpec Pool(string name, double meanMs) => new() { Name = name, Count = 2, Service = new ServiceSpec { Distribution = "deterministic", MeanMs = meanMs } };
        var scenario = new Scenario
        {
            Seed = 1,
            Horizon = new Horizon { Queries = 20_000, WarmupQueries = 2_000 },
            Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 150 } },
            Pools = [Pool("fast", 10), Pool("slow", 20)],
            Slo = new SloSpec { LatencyMs = 300, Percentile = 99 },
            Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 },
        };

        var month = new Forecaster(Catalog.Value).Forecast(scenario, new ForecastOptions { SizingQueries = 20_000 }).Months[0];

        var weights = SimulationModel.Compile(scenario).Pools.Select(p => p.CapacityPerSecond).ToArray();
        Assert.Equal(150 * weights[0] / weights.Sum(), month.Pools[0].RatePerSecond, 9);
        Assert.Equal(100, month.Pools[0].RatePerSecond, 9);
        Assert.Equal(50, month.Pools[1].RatePerSecond, 9);
    }

    [Fact]
    public void Evaluate_PricesTheListedFleet_AtItsSimulatedUtilization()
    {
        // Four H100s as listed, no SLO and no growth: nothing is sized, the month is priced as it stands.
        var scenario = MmcOnH100(60) with { Growth = null, Slo = null };
        scenario = scenario with { Pools = [scenario.Pools![0] with { Count = 4 }] };
        var result = SimulationRunner.Run(SimulationModel.Compile(scenario, Catalog.Value), new SimulationOptions());

        var evaluation = new Forecaster(Catalog.Value).Evaluate(scenario, result);
        var month = evaluation.Month;
        var pool = Assert.Single(month.Pools);
        Assert.True(evaluation.EnergyKnown);
        Assert.Empty(evaluation.Warnings);

        Assert.Equal(4, pool.Count);
        Assert.Equal(6.88 * 730.5 * 4, pool.CostUsd!.Value, 6);
        Assert.Equal(result.Pools[0].Utilization, pool.Utilization, 12);
        Assert.True(Catalog.Value.TryGetDevice("nvidia-h100-sxm", out var h100));
        var watts = FleetEconomics.PowerWatts(h100.IdleWatts.Effective!.Value, 700, result.Pools[0].Utilization);
        Assert.Equal(4 * 730.5 * watts * 1.135 / 1000, pool.EnergyKWh, 6);
        Assert.Equal(result.ThroughputPerSecond * 730.5 * 3600, month.Queries, 3);
        Assert.Equal(result.LatencyMs.P99, month.LatencyMsP99, 12);

        // λ/(cμ) = 60/(4·25) = 0.6 offered per server. The estimate is busy time over 50,000 exponential services
        // against the span of 50,000 Poisson gaps: relative SE ≈ √(1/n + 1/n) ≈ 0.0063, so 0.0038 absolute; 0.02 is 5.3 SE.
        Assert.Equal(0.6, pool.Utilization, 0.02);
    }

    [Fact]
    public void CheapestMix_OverGenerativePools_IsNoDearerThanTheCheapestPoolAlone()
    {
        // Generative pools have no fixed capacity; the mix splits traffic by what one replica carries at the SLO.
        static Scenario Demo(string file) => ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", file)) with
        {
            Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 },
        };
        var h100 = Demo("llm-chatbot-h100.json");
        var tpu = Demo("llm-chatbot-tpu-v5e.json");
        // Two generative pools side by side have no capacities to split traffic by: the scenario routes by load.
        var mixed = h100 with
        {
            Pools = [.. h100.Pools!, .. tpu.Pools!],
            Routing = new RoutingSpec { Policy = "join-shortest-queue" },
            Economics = new EconomicsSpec { Mix = new MixSpec { Objective = "cost" } },
        };
        var options = new ForecastOptions { SizingQueries = 3_000 };
        var forecaster = new Forecaster(Catalog.Value);

        var month = forecaster.Forecast(mixed, options).Months[0];
        var alone = new[] { h100, tpu }.Select(s => forecaster.Forecast(s, options).Months[0].CostUsd).ToList();

        Assert.True(month.SloMet);
        Assert.True(month.CostUsd > 0);
        Assert.True(month.CostUsd <= alone.Min() * (1 + 1e-12), $"mix {month.CostUsd:N2} USD vs cheapest alone {alone.Min():N2} USD");
    }

    [Fact]
    public void Forecast_GenerativePoolsRoutedByLoadWithoutWeights_IsRefused_NamingTheWeight()
    {
        // Join-shortest-queue needs no weights to simulate, but a forecast splits traffic to size each pool.
        var h100 = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "llm-chatbot-h100.json"));
        var tpu = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "llm-chatbot-tpu-v5e.json"));
        var both = h100 with
        {
            Pools = [.. h100.Pools!, .. tpu.Pools!],
            Routing = new RoutingSpec { Policy = "join-shortest-queue" },
            Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 },
        };

        var ex = Assert.Throws<ScenarioException>(() => new Forecaster(Catalog.Value).Forecast(both, new ForecastOptions { SizingQueries = 2_000 }));

        Assert.Equal("$.pools[0].weight", Assert.Single(ex.Errors).Path);
    }

    [Fact]
    public void Forecast_AMonthBeyondTheServerLimit_IsReportedUnmet_WhileTheOtherMonthsStand()
    {
        // 50 ms per query on H100s in us-east-1, traffic doubling monthly from 100 queries/s, at most 12 servers a pool:
        // the early months fit, the late ones cannot; the forecast used to fail whole, losing every month computed.
        var scenario = MmcOnH100(100, months: 5, growth: 100) with
        {
            Pools = [MmcOnH100(100).Pools![0] with { Service = new ServiceSpec { Distribution = "deterministic", MeanMs = 50 } }],
        };

        var forecast = new Forecaster(Catalog.Value).Forecast(scenario, new ForecastOptions { SizingQueries = 20_000, MaxServersPerPool = 12 });

        var met = forecast.Months.Where(m => m.Unmet is null).ToList();
        var unmet = forecast.Months.Where(m => m.Unmet is not null).ToList();
        Assert.NotEmpty(met);
        Assert.NotEmpty(unmet);
        Assert.All(met, m => Assert.True(m.SloMet && m.CostUsd > 0 && m.Pools[0].Count is > 0 and <= 12));
        Assert.All(unmet, m =>
        {
            Assert.False(m.SloMet);
            Assert.Null(m.CostUsd);
            Assert.StartsWith($"month {m.Month}: pool 'h100' cannot meet p99 latency ≤ 300 ms at ", m.Unmet, StringComparison.Ordinal);
            Assert.Matches(@"(over the limit of 12$|with up to 12 servers \(the limit\))", m.Unmet);
        });
        Assert.Null(forecast.Totals.CostUsd);
        Assert.Contains(forecast.Warnings, w => w.StartsWith("the SLO cannot be met in month", StringComparison.Ordinal));

        // The CSV says it too, one row a month, the reason quoted (it holds commas), the cost an empty cell.
        using var csv = new Microsoft.VisualBasic.FileIO.TextFieldParser(new StringReader(ForecastExport.ToCsv(forecast))) { Delimiters = [","], HasFieldsEnclosedInQuotes = true };
        var header = csv.ReadFields()!;
        var rows = new List<string[]>();
        while (!csv.EndOfData)
        {
            rows.Add(csv.ReadFields()!);
        }

        Assert.Equal(forecast.Months.Count + 1, rows.Count); // the months, then their totals
        Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
        var last = rows[^2];
        Assert.Equal(unmet[^1].Unmet, last[Array.IndexOf(header, "Why the SLO cannot be met")]);
        Assert.Equal(string.Empty, last[Array.IndexOf(header, "Cost (USD)")]);
        Assert.Equal(["total", string.Empty], new[] { rows[^1][0], rows[^1][Array.IndexOf(header, "Cost (USD)")] }); // an unknown total, not a sum
    }

    [Fact]
    public void Forecast_IsBitIdentical_WhateverTheThreadCount()
    {
        var scenario = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "image-classification-three-regions.json"));
        var forecaster = new Forecaster(Catalog.Value);

        var one = forecaster.Forecast(scenario, new ForecastOptions { MaxDegreeOfParallelism = 1, SizingQueries = 30_000 });
        var two = forecaster.Forecast(scenario, new ForecastOptions { MaxDegreeOfParallelism = 2, SizingQueries = 30_000 });

        Assert.Equal(JsonSerializer.Serialize(one), JsonSerializer.Serialize(two));
    }

    [Fact]
    public void HeadroomAndPriceDecline_AreApplied()
    {
        var scenario = MmcOnH100(200, months: 13, growth: 0) with
        {
            Growth = new GrowthSpec { Months = 13, MonthlyGrowthPercent = 0, PriceDeclinePercentPerYear = 20, Headroom = new HeadroomSpec { SpareServers = 1, Percent = 50 } },
        };

        var forecast = new Forecaster(Catalog.Value).Forecast(scenario, new ForecastOptions { SizingQueries = 30_000 });
        var first = forecast.Months[0].Pools[0];
        var last = forecast.Months[12].Pools[0];

        Assert.Equal((int)Math.Ceiling(first.RequiredCount * 1.5) + 1, first.Count);
        Assert.Equal(6.88 * 0.8, last.UsdPerDeviceHour!.Value, 9);
    }

    [Fact]
    public void CheapestMix_OverMmcPools_MatchesBruteForce()
    {
        var pools = new List<PoolSpec>
        {
            new() { Name = "h100", Device = "nvidia-h100-sxm", Region = "aws-us-east-1", Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 20 } },
            new() { Name = "l4", Device = "nvidia-l4", Region = "gcp-us-central1", Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 60 } },
        };
        var scenario = MmcOnH100(300, months: 1) with { Pools = pools, Economics = new EconomicsSpec { Mix = new MixSpec { Objective = "cost" } } };

        var month = new Forecaster(Catalog.Value).Forecast(scenario, new ForecastOptions { SizingQueries = 20_000 }).Months[0];

        double[] mu = [50, 1000 / 60.0];
        double Price(string device, string region) => Catalog.Value.PricesFor(device)
            .Single(p => p.Region == region && p.Pricing == PricingModel.OnDemand && p.UsdPerAcceleratorHour.Value is not null).UsdPerAcceleratorHour.Value!.Value;
        double[] price = [Price("nvidia-h100-sxm", "aws-us-east-1"), Price("nvidia-l4", "gcp-us-central1")];
        var slo = new SloTarget(300, 99);
        var best = double.PositiveInfinity;
        for (var a = 0; a <= 40; a++)
        {
            for (var b = 0; b <= 80; b++)
            {
                var capacity = (a * mu[0]) + (b * mu[1]);
                if (capacity <= 300)
                {
                    continue;
                }

                var ok = (a == 0 || PoolSizer.MmcMinimum(pools[0], 300 * a * mu[0] / capacity, slo, 300) <= a)
                    && (b == 0 || PoolSizer.MmcMinimum(pools[1], 300 * b * mu[1] / capacity, slo, 300) <= b);
                if (ok)
                {
                    best = Math.Min(best, ((a * price[0]) + (b * price[1])) * FleetEconomics.HoursPerMonth);
                }
            }
        }

        Assert.Equal(best, month.CostUsd!.Value, 1e-6 * best);
    }

    [Fact]
    public void Exports_CarryEveryMonth()
    {
        var forecast = new Forecaster(Catalog.Value).Forecast(MmcOnH100(200), new ForecastOptions { SizingQueries = 20_000 });

        var csv = ForecastExport.ToCsv(forecast).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Month,Peak rate (queries/s),Servers", csv[0], StringComparison.Ordinal);
        Assert.Equal(5, csv.Length); // header, three months, totals
        Assert.Contains("total", ForecastExport.ToTable(forecast), StringComparison.Ordinal);

        using var stream = new MemoryStream();
        ForecastExport.ToXlsx(forecast, stream);
        stream.Position = 0;
        var rows = MiniExcelLibs.MiniExcel.Query(stream, useHeaderRow: true, sheetName: "Months").Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(forecast.Months[1].CostUsd!.Value, Convert.ToDouble(rows[1]["Cost (USD)"], System.Globalization.CultureInfo.InvariantCulture), 6);
    }
}
