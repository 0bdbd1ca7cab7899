using System.Text.Json;
using System.Text.Json.Nodes;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Economics;
using InferencePlanner.Planning.Sweeps;

namespace InferencePlanner.Planning.Tests.Sweeps;

/// <summary>A sweep: its variants in index order, each a pure function of its scenario, one table with the Pareto front.</summary>
public sealed class SweepTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static string Demo => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "data", "sweeps", "image-model-devices-regions.json"));

    private static SweepSpec With(Action<JsonObject> change)
    {
        var node = JsonNode.Parse(Demo)!.AsObject();
        change(node);
        return SweepDocument.Parse(node.ToJsonString());
    }

    [Fact]
    public void Expand_IsTheCartesianProduct_FirstAxisSlowest_ShortcutsSetEveryPool_PathsSetTheirField()
    {
        var sweep = With(n => n["axes"]!.AsArray().Add(new JsonObject { ["field"] = "slo.latencyMs", ["values"] = new JsonArray(150, 300) }));

        var variants = SweepDocument.Expand(sweep, Catalog.Value);

        Assert.Equal(2 * 3 * 3 * 2, variants.Count);
        Assert.Equal("device=nvidia-h100-sxm, region=gcp-us-central1, count=1, slo.latencyMs=150", variants[0].Label);
        Assert.Equal("device=nvidia-h100-sxm, region=gcp-us-central1, count=1, slo.latencyMs=300", variants[1].Label);
        Assert.Equal("device=nvidia-l4, region=gcp-europe-west4, count=4, slo.latencyMs=300", variants[^1].Label);
        var last = variants[^1].Scenario;
        Assert.Equal(("nvidia-l4", "gcp-europe-west4", 4), (last.Pools![0].Device, last.Pools[0].Region, last.Pools[0].Count!.Value));
        Assert.Equal(300, last.Slo!.LatencyMs);
        // Everything the axes do not name is the base's.
        Assert.Equal(20, last.Pools[0].Service!.MeanMs);
        Assert.Equal(60, last.Workload!.Arrivals!.RatePerSecond);
    }

    [Theory]
    [InlineData("pools[3].count", "$.axes[0].field", "no pools[3]")]
    [InlineData("pools[x].count", "$.axes[0].field", "is not name[index]")]
    public void ABadField_IsNamedByItsAxis(string field, string path, string reason)
    {
        var sweep = With(n => n["axes"] = new JsonArray(new JsonObject { ["field"] = field, ["values"] = new JsonArray(1) }));

        var ex = Assert.Throws<ScenarioException>(() => SweepDocument.Expand(sweep, Catalog.Value));

        Assert.Equal(path, ex.Errors[0].Path);
        Assert.Contains(reason, ex.Errors[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadValue_IsNamedWithItsVariantAndField_AndTooManyVariantsAreRefused()
    {
        var typo = With(n => n["axes"]![0]!["values"]!.AsArray().Add("nvidia-h100-sxmm"));
        var ex = Assert.Throws<ScenarioException>(() => SweepDocument.Expand(typo, Catalog.Value));
        Assert.Contains("variant 18 (device=nvidia-h100-sxmm, region=gcp-us-central1, count=1)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.pools[0].device", ex.Message, StringComparison.Ordinal);

        var many = SweepDocument.Parse(Demo);
        var refused = Assert.Throws<ScenarioException>(() => SweepDocument.Expand(many, Catalog.Value, maxVariants: 17));
        Assert.Equal("$.axes", refused.Errors[0].Path);
        Assert.Throws<ScenarioException>(() => SweepDocument.Parse("""{ "base": {}, "axis": [] }"""));
        Assert.Equal("$.mode", Assert.Throws<ScenarioException>(() => SweepDocument.Expand(With(n => n["mode"] = "optimise"))).Errors[0].Path);
    }

    [Fact]
    public void Run_PricesEachVariantByHand_SaysWhyAnOverloadedOneHasNoFigures_AndIsBitIdenticalWhenRepeated()
    {
        var sweep = SweepDocument.Parse(Demo);
        var runner = new SweepRunner(Catalog.Value);

        var first = runner.Run(sweep);
        var again = runner.Run(sweep);

        Assert.Equal(JsonSerializer.Serialize(first), JsonSerializer.Serialize(again));
        Assert.Equal(Enumerable.Range(0, 18), first.Rows.Select(r => r.Index));
        var pricer = new FleetPricer(Catalog.Value);
        foreach (var row in first.Rows.Where(r => r.Stable))
        {
            var device = row.Variant.Split(", ")[0]["device=".Length..];
            var region = row.Variant.Split(", ")[1]["region=".Length..];
            var price = pricer.ListedPrice(device, region, "on-demand")?.UsdPerAcceleratorHour.Effective;
            Assert.Equal(price is { } usd ? row.Devices * usd * 730.5 : null, row.CostUsd);
            Assert.True(row.EnergyKWh > 0 && row.CarbonKg > 0);
        }

        // One server cannot serve 60 queries/s at 20 ms each (50/s at most): a verdict with its reason, no figures.
        var overloaded = Assert.Single(first.Rows, r => r.Variant == "device=nvidia-l4, region=gcp-us-central1, count=1");
        Assert.False(overloaded.Stable);
        Assert.Contains("serves at most 50 queries/s", overloaded.Reason, StringComparison.Ordinal);
        Assert.Null(overloaded.CostUsd);
        Assert.Null(overloaded.EnergyKWh);
        Assert.False(overloaded.Pareto);
    }

    [Theory]
    [InlineData("simulate", 3)]
    [InlineData("size", 1)]
    [InlineData("forecast", 1)]
    public void AVariantCutIntoChunks_SentAsJson_JoinsToTheRowOfOneRun_ByteForByte(string mode, int replications)
    {
        var sweep = With(node =>
        {
            node["mode"] = mode;
            node["replications"] = replications;
            // Three months with growth uncertainty: each month at its expected growth and at P10, P90 and P50.
            node["base"]!["growth"] = JsonNode.Parse("""{ "months": 3, "monthlyGrowthPercent": 10, "monthlyGrowthSdPercent": 4 }""");
        });
        var runner = new SweepRunner(Catalog.Value);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        foreach (var (label, scenario) in SweepDocument.Expand(sweep, Catalog.Value).Take(mode == "forecast" ? 2 : 4))
        {
            // Each chunk as another machine would send it: through JSON, joined in order.
            var chunks = Enumerable.Range(0, SweepRunner.ChunksOf(scenario, mode, replications))
                .Select(c => JsonSerializer.Deserialize<SweepChunk>(JsonSerializer.Serialize(runner.Chunk(0, label, scenario, mode, replications, c), options), options)!)
                .ToList();

            Assert.Equal(mode switch { "simulate" => replications, "forecast" => 3 * 4, _ => 1 }, chunks.Count);
            Assert.Equal(
                JsonSerializer.Serialize(runner.Variant(0, label, scenario, mode, replications), options),
                JsonSerializer.Serialize(runner.Join(0, label, scenario, mode, replications, chunks), options));
        }

        // The overloaded variant is refused in every chunk, before anything runs: no replication to send.
        var overloaded = SweepDocument.Expand(sweep, Catalog.Value).Single(v => v.Label == "device=nvidia-l4, region=gcp-us-central1, count=1");
        if (mode == "simulate")
        {
            Assert.Null(runner.Chunk(5, overloaded.Label, overloaded.Scenario, mode, replications, 2).Replication);
        }

        Assert.Throws<ArgumentException>(() => runner.Join(0, overloaded.Label, overloaded.Scenario, mode, replications, []));
    }

    [Theory]
    [InlineData("simulate")]
    [InlineData("size")]
    [InlineData("forecast")]
    public void AVariantTheAxesMadeImpossible_IsARowSayingWhy_TheSameFromItsChunks_AndTheOthersRun(string mode)
    {
        // Llama 3 70B at fp8 on one device: an H100 holds its 71 GB of weights, an L4's 24 GB do not.
        var sweep = SweepDocument.Parse($$"""
            { "mode": "{{mode}}", "replications": 2,
              "axes": [{ "field": "device", "values": ["nvidia-h100-sxm", "nvidia-l4"] }],
              "base": { "name": "chat", "seed": 3, "horizon": { "queries": 200 },
                "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 2 },
                  "tokens": { "input": { "distribution": "deterministic", "mean": 500 }, "output": { "distribution": "deterministic", "mean": 50 } } },
                "growth": { "months": 2, "monthlyGrowthPercent": 10 },
                "slo": { "ttftMs": 2000, "tpotMs": 200, "percentile": 99 },
                "pools": [{ "name": "gpu", "device": "nvidia-h100-sxm", "region": "gcp-us-central1", "count": 1, "llm": { "model": "llama-3-70b", "precision": "fp8", "tensorParallel": 1 } }] } }
            """);
        var runner = new SweepRunner(Catalog.Value);

        var result = runner.Run(sweep);

        Assert.Equal(2, result.Rows.Count);
        Assert.True(result.Rows[0].Reason is null || !result.Rows[0].Reason!.StartsWith("could not be run", StringComparison.Ordinal), result.Rows[0].Reason);
        var l4 = result.Rows[1];
        Assert.Equal(("device=nvidia-l4", false), (l4.Variant, l4.Stable));
        Assert.Equal("could not be run: $.pools[0].llm.tensorParallel: llama-3-70b at fp8 (71 GB of weights) does not fit in 1 × 24 GB of nvidia-l4: raise tensorParallel or lower the precision", l4.Reason);
        var (label, scenario) = SweepDocument.Expand(sweep, Catalog.Value)[1];
        var chunks = Enumerable.Range(0, SweepRunner.ChunksOf(scenario, mode, 2)).Select(c => runner.Chunk(1, label, scenario, mode, 2, c)).ToList();
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Assert.Equal(JsonSerializer.Serialize(l4, options), JsonSerializer.Serialize(runner.Join(1, label, scenario, mode, 2, chunks), options));
    }

    [Theory]
    [InlineData("simulate")]
    [InlineData("size")]
    [InlineData("forecast")]
    public void ACancelledChunk_StopsWhereItIs_InEveryMode(string mode)
    {
        // A sized variant and a forecast month size their pools by simulation: each sizing run observes the token too.
        // (A run looks at the token every few thousand events: the simulated variant is long enough to reach one.)
        var sweep = With(node =>
        {
            node["mode"] = mode;
            node["base"]!["horizon"]!["queries"] = 1_000_000;
            node["base"]!["growth"] = JsonNode.Parse("""{ "months": 3, "monthlyGrowthPercent": 10 }""");
        });
        var (label, scenario) = SweepDocument.Expand(sweep, Catalog.Value)[^1];
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => new SweepRunner(Catalog.Value).Chunk(0, label, scenario, mode, 1, 0, cancellation: cancel.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => new SweepRunner(Catalog.Value).Variant(0, label, scenario, mode, 1, cancellation: cancel.Token));
    }

    [Fact]
    public void AReplicationsAxis_VariesEachVariantsReplications_NotItsScenario_AndABadCountIsNamed()
    {
        var sweep = With(node => node["axes"] = JsonNode.Parse("""
            [{ "field": "device", "values": ["nvidia-h100-sxm"] }, { "field": "count", "values": [2] }, { "field": "replications", "values": [1, 3] }]
            """));
        var runner = new SweepRunner(Catalog.Value);

        var variants = SweepDocument.Expand(sweep, Catalog.Value);
        var result = runner.Run(sweep);

        Assert.Equal(["device=nvidia-h100-sxm, count=2, replications=1", "device=nvidia-h100-sxm, count=2, replications=3"], variants.Select(v => v.Label));
        Assert.Equal([1, 3], variants.Select(v => v.Replications));
        Assert.Equal(ScenarioJson.Write(variants[0].Scenario), ScenarioJson.Write(variants[1].Scenario));
        Assert.Equal([1, 3], variants.Select(v => SweepRunner.ChunksOf(v.Scenario, "simulate", v.Replications)));
        // Each row is the run at its own replications (three replications: a different, averaged p99).
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(JsonSerializer.Serialize(runner.Variant(i, variants[i].Label, variants[i].Scenario, "simulate", variants[i].Replications)), JsonSerializer.Serialize(result.Rows[i] with { Pareto = false }));
        }

        Assert.NotEqual(result.Rows[0].P99Ms, result.Rows[1].P99Ms);

        var bad = With(node => node["axes"] = JsonNode.Parse("""[{ "field": "replications", "values": [2, 0] }]"""));
        var error = Assert.Throws<ScenarioException>(() => SweepDocument.Expand(bad, Catalog.Value));
        Assert.Equal("$.axes[0].values[1]: replications must be a whole number from 1 to 1000", error.Errors.Single().ToString());
    }

    [Fact]
    public void ParetoFront_KeepsTheRowsNoOtherBeatsOnCostAndP99_AmongStablePricedRows()
    {
        SweepRow Row(int i, double? cost, double? p99, bool stable = true) => new() { Index = i, Variant = $"v{i}", Stable = stable, CostUsd = cost, P99Ms = p99 };
        var rows = new[]
        {
            Row(0, 10, 100),   // cheapest: on the front
            Row(1, 20, 50),    // fastest: on the front
            Row(2, 20, 100),   // beaten by 0 (cheaper, as fast)
            Row(3, 15, 80),    // neither beats it: on the front
            Row(4, 5, null),   // no p99: not ranked
            Row(5, null, 10),  // unknown cost: not ranked
            Row(6, 1, 1, stable: false),
            Row(7, 10, 100),   // the same as 0: neither beats the other, both on the front
        };

        var marked = SweepRunner.MarkFront(rows);

        Assert.Equal([0, 1, 3, 7], marked.Where(r => r.Pareto).Select(r => r.Index));
    }

    [Fact]
    public void SizeMode_SizesEachVariantForItsSlo_AndSaysWhichCannotBeMet()
    {
        var sweep = With(n =>
        {
            n["mode"] = "size";
            n["axes"] = new JsonArray(new JsonObject { ["field"] = "slo.latencyMs", ["values"] = new JsonArray(60, 150, 400) });
        });

        var rows = new SweepRunner(Catalog.Value).Run(sweep).Rows;

        // A 20 ms exponential service alone has a p99 of 20 ms × ln 100 = 92 ms: no fleet meets 60 ms, said as such.
        Assert.False(rows[0].Stable);
        Assert.Contains("the service alone has p99 = 92.1 ms, over the 60 ms budget", rows[0].Reason, StringComparison.Ordinal);
        Assert.Null(rows[0].CostUsd);
        // A tighter target needs at least as many servers; each sized fleet meets its own.
        Assert.True(rows[1].Devices >= rows[2].Devices, $"{rows[1].Devices} vs {rows[2].Devices}");
        Assert.All(rows.Skip(1), r => Assert.True(r.SloMet));
        Assert.True(rows[1].P99Ms <= 150 && rows[2].P99Ms <= 400);
    }
}
