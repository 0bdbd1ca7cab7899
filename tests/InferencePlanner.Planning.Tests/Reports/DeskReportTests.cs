using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Economics;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Planning.Reports;

namespace InferencePlanner.Planning.Tests.Reports;

/// <summary>The three desks' figures: the forecast's fleet repriced by hand-checkable rules, and the sentence on top.</summary>
public sealed class DeskReportTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));
    private static readonly ForecastOptions Options = new() { SizingQueries = 20_000 };

    private static Scenario L4(int months = 3) => new()
    {
        Name = "l4 desk",
        Seed = 5,
        Horizon = new Horizon { Queries = 20_000, WarmupQueries = 2_000 },
        Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 100 } },
        Pools = [new PoolSpec { Name = "l4", Device = "nvidia-l4", Region = "gcp-us-central1", Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 40 } }],
        Slo = new SloSpec { LatencyMs = 300, Percentile = 99 },
        Growth = new GrowthSpec { Months = months, MonthlyGrowthPercent = 10 },
    };

    private static (Forecaster Forecaster, ForecastResult Forecast, DeskReport Report) Build(Scenario scenario)
    {
        var forecaster = new Forecaster(Catalog.Value);
        var forecast = forecaster.Forecast(scenario, Options);
        return (forecaster, forecast, DeskReport.Build(forecaster, Catalog.Value, null, scenario, forecast));
    }

    [Fact]
    public void Reprice_AtTheScenarioItself_IsTheForecast_FigureForFigure()
    {
        var (forecaster, forecast, _) = Build(L4());

        var again = forecaster.Reprice(L4(), forecast);

        for (var m = 0; m < forecast.Months.Count; m++)
        {
            Assert.Equal(forecast.Months[m].CostUsd, again.Months[m].CostUsd);
            Assert.Equal(forecast.Months[m].EnergyKWh, again.Months[m].EnergyKWh);
            Assert.Equal(forecast.Months[m].CarbonKg, again.Months[m].CarbonKg);
            Assert.Equal(forecast.Months[m].GramsCo2PerQuery, again.Months[m].GramsCo2PerQuery);
        }

        Assert.Equal(forecast.Totals.CostUsd, again.Totals.CostUsd);
    }

    [Fact]
    public void Finance_EachPricing_IsTheSameFleetAtThatPrice_OrUnknown()
    {
        var (_, forecast, report) = Build(L4());
        var pricer = new FleetPricer(Catalog.Value);

        Assert.Equal(Pricings.ForScenarios, report.Pricings.Select(p => p.Name));
        foreach (var variant in report.Pricings)
        {
            var price = pricer.ListedPrice("nvidia-l4", "gcp-us-central1", variant.Name)?.UsdPerAcceleratorHour.Effective;
            if (price is null)
            {
                // GCP lists no reserved L4 rate in the catalog: unknown, not zero.
                Assert.Null(variant.CostUsdMonth0);
                Assert.Null(variant.CostUsdTotal);
                continue;
            }

            Assert.Equal(price.Value * 730.5 * forecast.Months[0].Pools[0].Count, variant.CostUsdMonth0!.Value, 6);
            Assert.Equal(forecast.Months.Sum(m => price.Value * 730.5 * m.Pools[0].Count), variant.CostUsdTotal!.Value, 6);
        }

        Assert.Contains(report.Pricings, p => p.Name == "spot" && p.CostUsdMonth0 is not null);
    }

    [Fact]
    public void Sustainability_Pues_ScaleTheEnergy_AndRegions_CarryTheirOwnGrid()
    {
        var (_, forecast, report) = Build(L4());
        Catalog.Value.TryGetRegion("gcp-us-central1", out var iowa);
        var listed = report.Pues[0];
        Assert.Equal(forecast.Months[0].EnergyKWh, listed.EnergyKWhMonth0);
        foreach (var (variant, pue) in report.Pues.Skip(1).Zip(DeskReport.PueWhatIfs))
        {
            Assert.Equal(pue / iowa.Pue.Effective!.Value, variant.EnergyKWhMonth0 / listed.EnergyKWhMonth0, 9);
            Assert.Equal(listed.EmbodiedCarbonKgMonth0, variant.EmbodiedCarbonKgMonth0);
        }

        // Every other region shown prices the L4 and carries its own grid and PUE; the lowest-carbon grid first.
        Assert.InRange(report.Regions.Count, 2, DeskReport.MaxRegions + 1);
        var grids = new List<double>();
        foreach (var region in report.Regions.Skip(1))
        {
            var id = region.Name[..region.Name.IndexOf(' ', StringComparison.Ordinal)];
            Assert.True(Catalog.Value.TryGetRegion(id, out var r));
            Assert.NotNull(new FleetPricer(Catalog.Value).ListedPrice("nvidia-l4", id, "on-demand"));
            Assert.Equal(r.Pue.Effective!.Value / iowa.Pue.Effective!.Value, region.EnergyKWhMonth0 / listed.EnergyKWhMonth0, 9);
            Assert.Equal(region.EnergyKWhMonth0 * r.GridGramsCo2PerKwh.Effective!.Value / 1000, region.OperationalCarbonKgMonth0, 6);
            grids.Add(r.GridGramsCo2PerKwh.Effective!.Value);
        }

        Assert.Equal(grids.Order(), grids);
    }

    [Fact]
    public void Sentence_SaysTheFleetTheLoadTheVerdictTheCostAndTheCarbon()
    {
        var month = new MonthForecast
        {
            Month = 0,
            PeakRatePerSecond = 50,
            SloMet = true,
            CostUsd = 71_823.4,
            CarbonKg = 1_860,
            Pools = [new PoolForecast { Name = "h100", Device = "nvidia-h100-sxm", Region = "aws-us-east-1", Count = 4, TensorParallel = 2 }],
        };
        var scenario = new Scenario { Pools = [new PoolSpec { Name = "h100", Llm = new LlmSpec() }] };

        Assert.Equal("8 nvidia-h100-sxm (TP2) in aws-us-east-1 serve 50 requests/s within the SLO for 71,823 USD/month and 1.86 t CO2e (month 0).", DeskReport.Sentence(month, scenario));
        Assert.Equal("8 nvidia-h100-sxm (TP2) in aws-us-east-1 serve 50 requests/s missing the SLO for an unknown cost (a price is missing) and 1.86 t CO2e (month 0).",
            DeskReport.Sentence(month with { SloMet = false, CostUsd = null }, scenario));
    }

    [Fact]
    public void Infra_Bounds_AreTheStepModelsForGenerativePools_AndUnknownForADistribution()
    {
        var chatbot = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "llm-chatbot-h100.json")) with
        {
            Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 },
        };
        var (_, _, report) = Build(chatbot);
        var bound = Assert.Single(report.Bounds);
        // Decoding a few dozen sequences of an 8B model reads its weights and caches: memory-bound.
        Assert.Equal("memory", bound.Bound);
        Assert.Contains("prefill steps compute-bound", bound.Basis, StringComparison.Ordinal);
        Assert.NotNull(report.CostPerMillionOutputTokensUsd);
        Assert.Equal(report.Forecast.Months[0].CostUsd!.Value / (report.Forecast.Months[0].Queries * 211 / 1e6), report.CostPerMillionOutputTokensUsd!.Value, 9);

        Assert.Null(Build(L4(1)).Report.Bounds[0].Bound);
    }
}
