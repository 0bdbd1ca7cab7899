using InferencePlanner.Core.Catalog;


namespace InferencePlanner.Core.Tests.Catalog;

public sealed class CatalogLoaderTests
{
    /// <summary>The device ids DESIGN.md promises to users' scripts.</summary>
    public static readonly TheoryData<string> DesignDeviceIds = new(
        "nvidia-h100-sxm", "nvidia-h200", "nvidia-a100-sxm-80gb", "nvidia-l4", "nvidia-l40s", "nvidia-t4",
        "nvidia-b200", "amd-mi300x", "google-tpu-v5e", "google-tpu-v5p", "google-tpu-v6e", "aws-inferentia2",
        "nvidia-jetson-agx-orin", "nvidia-jetson-orin-nano", "amd-epyc-9654", "local-cpu");

    private static readonly HostDescription Host = new(
        "Test CPU 9000", 2, ["avx2", "fma"], 24.0, "Linux", "x64", new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));

    private static readonly Lazy<DeviceCatalog> Shipped = new(() => CatalogLoader.Load(RepositoryPaths.Catalog, Host));

    [Theory]
    [MemberData(nameof(DesignDeviceIds))]
    public void Load_ShippedCatalog_HasEveryDesignDeviceId(string id)
    {
        Assert.True(Shipped.Value.TryGetDevice(id, out var device), $"catalog lacks '{id}'");
        Assert.Equal(id, device.Id);
    }

    [Fact]
    public void Load_ShippedCatalog_EveryKnownValueResolvesToADatedSource()
    {
        var catalog = Shipped.Value;
        var facts = catalog.Devices.SelectMany(DeviceFacts)
            .Concat(catalog.Regions.SelectMany(r => new Fact?[] { r.GridGramsCo2PerKwh, r.Pue, r.ElectricityUsdPerKwh }))
            .Concat(catalog.Prices.Select(p => p.UsdPerAcceleratorHour))
            .OfType<Fact>()
            .ToList();

        Assert.NotEmpty(facts);
        foreach (var fact in facts)
        {
            if (fact.IsKnown)
            {
                var source = catalog.SourceOf(fact);
                Assert.NotNull(source);
                Assert.False(string.IsNullOrWhiteSpace(source.Citation));
                Assert.False(string.IsNullOrWhiteSpace(fact.AsOf ?? source.Date));
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(fact.Assumption));
            }
        }
    }

    [Fact]
    public void Load_ShippedCatalog_EveryPriceNamesACatalogDeviceAndRegion()
    {
        var catalog = Shipped.Value;
        Assert.NotEmpty(catalog.Prices);
        Assert.All(catalog.Prices, p =>
        {
            Assert.True(catalog.TryGetDevice(p.DeviceId, out _), p.DeviceId);
            Assert.True(catalog.TryGetRegion(p.Region, out _), p.Region);
        });
    }

    [Fact]
    public void Load_ShippedCatalog_H100FiguresMatchTheReferenceTable()
    {
        // accelerators.csv, row "NVIDIA H100 SXM5 80GB": 80 GB, 3350 GB/s, 700 W, dense BF16 989 TFLOP/s.
        Assert.True(Shipped.Value.TryGetDevice("nvidia-h100-sxm", out var h100));
        Assert.Equal(80, h100.MemoryGb.Value);
        Assert.Equal(3350, h100.MemoryBandwidthGBps.Value);
        Assert.Equal(700, h100.TdpWatts.Value);
        Assert.InRange(h100.PeakFp16Tflops.Value!.Value, 989, 989.5);
        Assert.Equal(FormFactor.Datacenter, h100.FormFactor);
    }

    [Fact]
    public void Load_ShippedCatalog_A100HasNoFp8()
    {
        // The reference lists FP8 as "n/a (no FP8)" for the A100: not unknown, absent.
        Assert.True(Shipped.Value.TryGetDevice("nvidia-a100-sxm-80gb", out var a100));
        Assert.Null(a100.PeakFp8Tflops);
    }

    [Fact]
    public void Load_LocalCpu_DescribesTheGivenHost()
    {
        Assert.True(Shipped.Value.TryGetDevice(LocalMachine.DeviceId, out var local));
        Assert.Equal(FormFactor.Cpu, local.FormFactor);
        Assert.Same(Host, local.Host);
        Assert.Equal(24.0, local.MemoryGb.Value);
        Assert.Contains("Test CPU 9000", local.Name, StringComparison.Ordinal);
        Assert.NotNull(Shipped.Value.SourceOf(local.MemoryGb));
    }

    [Fact]
    public void Describe_ThisMachine_ReadsCoresAndMemory()
    {
        var host = LocalMachine.Describe();
        Assert.Equal(Environment.ProcessorCount, host.LogicalCores);
        Assert.True(host.MemoryGb > 0, $"memory {host.MemoryGb} GB");
        Assert.False(string.IsNullOrWhiteSpace(host.CpuModel));
    }

    public static TheoryData<string, string, string, string> BadFiles => new()
    {
        // bad file (replaces the shipped file of the same kind), file named, entry named, field named
        { "devices.malformed.json", "devices.json", "devices[0]", "tdpWatts" },
        { "devices.negative-tdp.json", "devices.json", "devices[0] 'bad-gpu'", "tdpWatts.value" },
        { "devices.nan-memory.json", "devices.json", "devices[0]", "memoryGb.value" },
        { "devices.missing-source.json", "devices.json", "devices[0] 'bad-gpu'", "memoryBandwidthGBps.source" },
        { "devices.unknown-source.json", "devices.json", "devices[0] 'bad-gpu'", "peakFp16Tflops.source" },
        { "devices.unknown-without-assumption.json", "devices.json", "devices[0] 'bad-gpu'", "idleWatts.assumption" },
        { "devices.unknown-field.json", "devices.json", "devices[0]", "tdpWats" },
        { "devices.missing-required.json", "devices.json", "devices[0]", "memoryGb" },
        { "devices.bad-form-factor.json", "devices.json", "devices[0]", "formFactor" },
        { "devices.duplicate-id.json", "devices.json", "devices[1] 'bad-gpu'", "id" },
        { "devices.idle-above-tdp.json", "devices.json", "devices[0] 'bad-gpu'", "idleWatts" },
        { "devices.local-cpu.json", "devices.json", "devices[0] 'local-cpu'", "id" },
        { "regions.pue-below-one.json", "regions.json", "regions[0] 'aws-us-east-1'", "pue" },
        { "regions.wrong-prefix.json", "regions.json", "regions[0] 'gcp-us-east-1'", "id" },
        { "prices.unknown-device.json", "prices.json", "prices[0] 'aws p5.48xlarge on-demand'", "deviceId" },
        { "prices.unknown-region.json", "prices.json", "prices[0] 'aws p5.48xlarge on-demand'", "region" },
        { "prices.duplicate.json", "prices.json", "prices[1] 'aws p5.48xlarge on-demand'", "pricing" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Load_BadFile_NamesFileEntryAndField(string badFile, string file, string entry, string field)
    {
        using var dir = CatalogCopy.WithReplacement(RepositoryPaths.Catalog, badFile, file);

        var ex = Assert.Throws<CatalogException>(() => CatalogLoader.Load(dir.Path, Host));

        Assert.Equal(file, ex.File);
        Assert.Equal(entry, ex.Entry);
        Assert.Equal(field, ex.Field);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_SaysWhichAndWhere()
    {
        using var dir = CatalogCopy.WithReplacement(RepositoryPaths.Catalog, null, "regions.json");

        var ex = Assert.Throws<CatalogException>(() => CatalogLoader.Load(dir.Path, Host));

        Assert.Equal("regions.json", ex.File);
        Assert.Contains("not found", ex.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<Fact?> DeviceFacts(Device d) =>
    [
        d.PeakFp16Tflops, d.PeakFp8Tflops, d.PeakInt8Tops, d.MemoryGb, d.MemoryBandwidthGBps, d.TdpWatts,
        d.IdleWatts, d.EmbodiedKgCo2e, d.AchievableBf16MatmulTflops, d.AchievableFp8MatmulTflops,
    ];
}
