using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using InferencePlanner.Cluster;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Planning.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;

namespace InferencePlanner.Benchmarks;

/// <summary>
/// A sweep of 100 variants (2 devices × 5 regions × 10 fleet sizes of the demo image model, 1,000,000 queries each,
/// one replication: 100 chunks of about 0.1 s each) on this machine's cores (the local path), on the dashboard's embedded silo, and on clusters
/// of 1, 2 and 3 silos in this process, each silo computing one chunk at a time (a cluster silo leaves a core free).
/// </summary>
public static class SweepWorkload
{
    public static string Document()
    {
        var folder = Core.DataFolders.Find("sweeps", "image-model-devices-regions.json") ?? throw new DirectoryNotFoundException("data/sweeps: not found beside the program or above it");
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "image-model-devices-regions.json")))!;
        node["replications"] = 1;
        node["base"]!["horizon"]!["queries"] = 1_000_000;
        node["axes"] = JsonNode.Parse("""
            [
              { "field": "device", "values": ["nvidia-h100-sxm", "nvidia-l4"] },
              { "field": "region", "values": ["gcp-us-central1", "aws-us-east-1", "gcp-europe-west4", "aws-eu-west-1", "azure-eastus"] },
              { "field": "count", "values": [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }
            ]
            """);
        return node.ToJsonString();
    }

    public static async Task<SweepStatus> RunAsync(SweepService sweeps, string document)
    {
        var (id, problem) = await sweeps.StartAsync(document, SweepDocument.DefaultMaxVariants);
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }

        while (true)
        {
            var status = await sweeps.StatusAsync(id) ?? throw new InvalidOperationException("the sweep vanished");
            if (status.State != "running")
            {
                return status;
            }

            // As a client polls, a little more often than the page's 500 ms: at most 20 ms added to a run of seconds.
            await Task.Delay(20);
        }
    }
}

[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SweepEmbeddedBenchmarks
{
    private string _document = null!;
    private DeviceCatalog _catalog = null!;
    private IHost _host = null!;

    [GlobalSetup]
    public void Setup()
    {
        _document = SweepWorkload.Document();
        _catalog = CatalogLoader.Load();
        // The dashboard's silo, configured as the dashboard configures it (Cluster:Mode embedded).
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(_catalog);
        builder.Services.AddSingleton(ProfileStore.Empty);
        builder.UseOrleans(silo => ClusterHosting.Configure(silo, new ClusterSettings()));
        builder.Services.AddSingleton<SweepService>();
        _host = builder.Build();
        _host.Start();
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

    [Benchmark(Baseline = true, Description = "local: SweepRunner on every core")]
    public int Local() => new SweepRunner(_catalog).Run(SweepDocument.Parse(_document)).Rows.Count;

    [Benchmark(Description = "embedded silo: coordinator grain + 100 chunk grains")]
    public async Task<int> Embedded() => (await SweepWorkload.RunAsync(_host.Services.GetRequiredService<SweepService>(), _document)).Done;
}

[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SweepClusterBenchmarks
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load());
    private string _document = null!;
    private TestCluster _cluster = null!;
    private SweepService _sweeps = null!;

    [Params(1, 2, 3)]
    public int Silos { get; set; }

    public sealed class OneChunkAtATime : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddSweeps(Catalog.Value, chunkSlots: 1);
    }

    [GlobalSetup]
    public void Setup()
    {
        _document = SweepWorkload.Document();
        _cluster = new TestClusterBuilder((short)Silos).AddSiloBuilderConfigurator<OneChunkAtATime>().Build();
        _cluster.Deploy();
        _sweeps = new SweepService(_cluster.GrainFactory);
    }

    [GlobalCleanup]
    public void Cleanup() => _cluster.Dispose();

    [Benchmark(Description = "100 chunks on the cluster")]
    public async Task<int> Sweep() => (await SweepWorkload.RunAsync(_sweeps, _document)).Done;
}
