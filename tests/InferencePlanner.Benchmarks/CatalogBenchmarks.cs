using BenchmarkDotNet.Attributes;
using InferencePlanner.Core.Catalog;

namespace InferencePlanner.Benchmarks;

/// <summary>Start-up cost of reading and checking the catalog (the web app and every CLI call pay it).</summary>
[MemoryDiagnoser]
public class CatalogBenchmarks
{
    private readonly HostDescription _host = LocalMachine.Describe();
    private string _directory = string.Empty;

    [GlobalSetup]
    public void Setup() => _directory = CatalogLoader.DefaultDirectory();

    [Benchmark]
    public DeviceCatalog LoadAndValidate() => CatalogLoader.Load(_directory, _host);

    [Benchmark]
    public HostDescription DescribeLocalMachine() => LocalMachine.Describe();
}
