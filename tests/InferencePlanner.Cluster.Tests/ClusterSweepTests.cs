using System.Text.Json;
using System.Text.Json.Nodes;
using InferencePlanner.Cluster;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Planning.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace InferencePlanner.Cluster.Tests;

/// <summary>Three silos in this process (Orleans' TestingHost): a sweep on the cluster gives the local table byte for byte.</summary>
public sealed class ClusterSweepTests : IAsyncLifetime
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));
    private TestCluster _cluster = null!;

    public sealed class SweepSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddSweeps(Catalog.Value);
    }

    public async Task InitializeAsync()
    {
        _cluster = new TestClusterBuilder(3).AddSiloBuilderConfigurator<SweepSilo>().Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>The demo sweep with <paramref name="queries"/> measured queries a replication.</summary>
    private static string Sweep(long queries)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "data", "sweeps", "image-model-devices-regions.json")))!;
        node["base"]!["horizon"]!["queries"] = queries;
        return node.ToJsonString();
    }

    private static string Local(string sweep) =>
        JsonSerializer.Serialize(new SweepRunner(Catalog.Value).Run(SweepDocument.Parse(sweep)), SweepJson.Options);

    private static async Task<SweepStatus> FinishedAsync(ISweepGrain grain, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var status = await grain.GetStatusAsync();
            if (status.State != "running" || clock.Elapsed > limit)
            {
                return status;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs <paramref name="sweep"/> on the cluster to its end and checks it is done and the local table byte for byte.</summary>
    private async Task<SweepStatus> DoneAsLocalAsync(string sweep)
    {
        var grain = _cluster.GrainFactory.GetGrain<ISweepGrain>(Guid.NewGuid());
        Assert.Null(await grain.StartAsync(sweep, SweepDocument.DefaultMaxVariants));
        var status = await FinishedAsync(grain, TimeSpan.FromMinutes(3));
        Assert.Equal("done", status.State);
        Assert.Equal(Local(sweep), status.ResultJson);
        return status;
    }

    [Fact]
    public void ARunningSweepsTable_WrittenFromItsStoredRows_IsWhatTheSerializerWrites()
    {
        // Rows of every kind (served, overloaded with a reason, the front marked or not) as the coordinator stores them.
        var local = new SweepRunner(Catalog.Value).Run(SweepDocument.Parse(Sweep(2000)));
        foreach (var rows in new[] { local.Rows, local.Rows.Take(5).ToList(), [] })
        {
            var stored = rows.Select(r => JsonSerializer.Serialize(r, SweepJson.Options)).ToList();

            Assert.Equal(JsonSerializer.Serialize(new SweepResult(local.Mode, rows), SweepJson.Options), SweepJson.Result(local.Mode, stored));
        }
    }

    [Fact]
    public async Task ASweepOnThreeSilos_IsTheLocalTable_ByteForByte()
    {
        var status = await DoneAsLocalAsync(Sweep(20_000));

        // 18 variants of 2 replications each: 36 chunks, each run on some silo and joined in order.
        Assert.Equal((18, 18, 36, 36), (status.Total, status.Done, status.Chunks, status.ChunksDone));
    }

    [Fact]
    public async Task AReplicationsAxis_GivesEachVariantItsOwnChunks_AndIsTheLocalTable()
    {
        var node = JsonNode.Parse(Sweep(20_000))!;
        node["axes"] = JsonNode.Parse("""[{ "field": "count", "values": [2, 4] }, { "field": "replications", "values": [1, 4] }]""");
        var status = await DoneAsLocalAsync(node.ToJsonString());

        Assert.Equal((4, 4, 10, 10), (status.Total, status.Done, status.Chunks, status.ChunksDone));
    }

    [Fact]
    public async Task AForecastSweep_CutIntoMonthsAndGrowthBands_IsTheLocalTable_ByteForByte()
    {
        var node = JsonNode.Parse(Sweep(20_000))!;
        node["mode"] = "forecast";
        node["axes"] = JsonNode.Parse("""[{ "field": "device", "values": ["nvidia-h100-sxm", "nvidia-l4"] }]""");
        node["base"]!["growth"] = JsonNode.Parse("""{ "months": 3, "monthlyGrowthPercent": 20, "monthlyGrowthSdPercent": 5 }""");
        var status = await DoneAsLocalAsync(node.ToJsonString());

        // 2 variants × 3 months × 4 growth bands (expected, P10, P90, P50): 24 chunks over the silos, assembled in order.
        Assert.Equal((2, 2, 24, 24), (status.Total, status.Done, status.Chunks, status.ChunksDone));
    }

    [Fact]
    public async Task ASweepStartedWithTheTeamsCatalog_ComputesWithIt_OnEverySilo()
    {
        // A team's edits: every price doubled (costs are joined on the coordinator) and the H100's memory bandwidth
        // halved (a generative pool's steps, computed in the chunks). The silos' own catalogs stay the shipped one.
        var shipped = Catalog.Value;
        var edited = new DeviceCatalog(
            shipped.Sources,
            [.. shipped.Devices.Select(d => d.Id == "nvidia-h100-sxm" ? d with { MemoryBandwidthGBps = d.MemoryBandwidthGBps with { Value = d.MemoryBandwidthGBps.Value / 2 } } : d)],
            [.. shipped.Prices.Select(p => p with { UsdPerAcceleratorHour = p.UsdPerAcceleratorHour with { Value = p.UsdPerAcceleratorHour.Value * 2 } })],
            shipped.Regions);
        const string Sweep = """
            {
              "mode": "simulate", "replications": 2,
              "axes": [{ "field": "count", "values": [1, 2] }],
              "base": {
                "name": "chatbot", "seed": 3, "horizon": { "queries": 300 },
                "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 4 },
                              "tokens": { "input": { "distribution": "deterministic", "mean": 800 }, "output": { "distribution": "deterministic", "mean": 100 } } },
                "pools": [{ "name": "gpu", "device": "nvidia-h100-sxm", "region": "gcp-us-central1", "count": 1, "llm": { "model": "llama-3-8b", "precision": "fp16" } }]
              }
            }
            """;
        var local = JsonSerializer.Serialize(new SweepRunner(edited).Run(SweepDocument.Parse(Sweep)), SweepJson.Options);
        Assert.NotEqual(Local(Sweep), local);

        var service = new SweepService(_cluster.Client);
        var (id, problem) = await service.StartAsync(Sweep, SweepDocument.DefaultMaxVariants, edited, []);
        Assert.Null(problem);
        var status = await FinishedAsync(_cluster.GrainFactory.GetGrain<ISweepGrain>(id), TimeSpan.FromMinutes(3));

        Assert.Equal("done", status.State);
        Assert.Equal(local, status.ResultJson);
    }

    [Fact]
    public async Task ASweepWhoseDataTheClusterLacks_IsRefused_NamingIt()
    {
        var grain = _cluster.GrainFactory.GetGrain<ISweepGrain>(Guid.NewGuid());

        var problem = await grain.StartAsync(Sweep(1000), SweepDocument.DefaultMaxVariants, data: new string('a', 64));

        Assert.Equal("the sweep's catalog and profiles (aaaaaaaaaaaa…) are not stored in the cluster", problem);
        Assert.Equal(0, (await grain.GetStatusAsync()).Total);
    }

    [Fact]
    public async Task ASiloKilledMidSweep_TheSweepFinishes_AndIsStillTheLocalTable()
    {
        var sweep = Sweep(150_000);
        var grain = _cluster.GrainFactory.GetGrain<ISweepGrain>(Guid.NewGuid());
        await grain.StartAsync(sweep, SweepDocument.DefaultMaxVariants);
        var coordinator = await grain.GetSiloAsync();
        while ((await grain.GetStatusAsync()).Done < 2)
        {
            await Task.Delay(50);
        }

        // A silo other than the coordinator's dies without a word, variants on it in flight.
        var victim = _cluster.SecondarySilos.First(s => !coordinator.Contains(s.SiloAddress.Endpoint.ToString(), StringComparison.Ordinal));
        await _cluster.KillSiloAsync(victim);

        var status = await FinishedAsync(grain, TimeSpan.FromMinutes(5));
        Assert.Equal("done", status.State);
        Assert.Equal(Local(sweep), status.ResultJson);
    }

    [Fact]
    public async Task Cancel_StopsTheSweep_EveryChunkInFlightStops_NoRowLandsAfterIt()
    {
        // Chunks of 20 M queries: seconds each on these cores, so a chunk left to finish would still be computing.
        var grain = _cluster.GrainFactory.GetGrain<ISweepGrain>(Guid.NewGuid());
        await grain.StartAsync(Sweep(20_000_000), SweepDocument.DefaultMaxVariants);
        int Busy() => _cluster.Silos.Cast<InProcessSiloHandle>().Sum(s => s.ServiceProvider.GetRequiredService<ChunkSlots>().Busy);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Busy() == 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }

        Assert.True(Busy() > 0, "no chunk started");
        await grain.CancelAsync();
        var cancelled = await grain.GetStatusAsync();
        clock.Restart();
        while (Busy() > 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        // The cancel reached the chunks on every silo: they stopped where they were, well before a chunk's seconds.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"chunks still computing {clock.Elapsed.TotalSeconds:0.0} s after the cancel");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var later = await grain.GetStatusAsync();
        Assert.Equal("cancelled", cancelled.State);
        Assert.Equal(cancelled.Done, later.Done);
        Assert.Equal(cancelled.ChunksDone, later.ChunksDone);
        Assert.True(later.Done < later.Total, $"{later.Done} of {later.Total}");
    }

    [Fact]
    public async Task ABadSweep_IsRefusedByItsPath_BeforeAnythingRuns()
    {
        var grain = _cluster.GrainFactory.GetGrain<ISweepGrain>(Guid.NewGuid());

        var problem = await grain.StartAsync(Sweep(1000), maxVariants: 5);

        Assert.StartsWith("$.axes: the axes make more than 5 variants", problem, StringComparison.Ordinal);
        Assert.Equal(0, (await grain.GetStatusAsync()).Total);
    }
}
