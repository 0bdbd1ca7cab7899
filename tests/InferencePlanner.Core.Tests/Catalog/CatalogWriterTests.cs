using System.IO.Compression;
using System.Text.Json;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Core.Tests.Catalog;

/// <summary>A catalog written out (the dashboard's export) reads back as the same catalog, edits and their sources included.</summary>
public sealed class CatalogWriterTests : IDisposable
{
    private static readonly HostDescription Host = new(
        "Test CPU 9000", 2, ["avx2", "fma"], 24.0, "Linux", "x64", new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));

    private static readonly Lazy<DeviceCatalog> Shipped = new(() => CatalogLoader.Load(RepositoryPaths.Catalog, Host));

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ip-catalog-writer-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static string Json(object value) => JsonSerializer.Serialize(value, ScenarioJson.Options);

    [Fact]
    public void ShippedCatalog_RoundTrips()
    {
        CatalogWriter.Write(Shipped.Value, _folder.FullName);
        var read = CatalogLoader.Load(_folder.FullName, Host);

        Assert.Equal(Json(Shipped.Value.Devices), Json(read.Devices));
        Assert.Equal(Json(Shipped.Value.Prices), Json(read.Prices));
        Assert.Equal(Json(Shipped.Value.Regions), Json(read.Regions));
        Assert.Equal(Json(Shipped.Value.Sources.OrderBy(s => s.Key)), Json(read.Sources.OrderBy(s => s.Key)));
    }

    [Fact]
    public void EditedCatalog_RoundTrips_WithTheEditsSource()
    {
        var price = Shipped.Value.Prices.First(p => p.UsdPerAcceleratorHour.IsKnown);
        var edited = new CatalogOverlay
        {
            Sources = new Dictionary<string, Source> { ["edit-7"] = new Source("our negotiated rate, contract 2026-114", "2026-11-30") },
            Prices = [price with { UsdPerAcceleratorHour = Fact.Known(1.23, "edit-7", "2026-11-30") }],
        }.ApplyTo(Shipped.Value);

        CatalogWriter.Write(edited, _folder.FullName);
        var read = CatalogLoader.Load(_folder.FullName, Host);

        Assert.Equal(Json(edited.Prices), Json(read.Prices));
        Assert.Equal(1.23, read.Prices[0].UsdPerAcceleratorHour.Value);
        Assert.Equal("our negotiated rate, contract 2026-114", read.SourceOf(read.Prices[0].UsdPerAcceleratorHour)!.Citation);
    }

    [Fact]
    public void Export_HoldsTheCatalogAndEveryProfile_AsTheCommandLineReadsThem()
    {
        var profiles = ProfileStore.Load(Path.Combine(RepositoryPaths.Root, "data", "profiles"));
        var zip = Path.Combine(_folder.FullName, "data.zip");
        using (var file = File.Create(zip))
        {
            DataExport.Write(Shipped.Value, profiles.All, file);
        }

        var unpacked = Path.Combine(_folder.FullName, "unpacked");
        ZipFile.ExtractToDirectory(zip, unpacked);
        var catalog = CatalogLoader.Load(Path.Combine(unpacked, DataExport.CatalogFolder), Host);
        var read = ProfileStore.Load(Path.Combine(unpacked, DataExport.ProfilesFolder));

        Assert.Equal(Json(Shipped.Value.Prices), Json(catalog.Prices));
        Assert.Equal(profiles.All.Select(p => p.Id).Order(StringComparer.Ordinal), read.All.Select(p => p.Id).Order(StringComparer.Ordinal));
        Assert.All(profiles.All, p => Assert.Equal(Json(p), Json(read.All.Single(r => r.Id == p.Id))));
    }

    [Fact]
    public void Export_KeepsEveryProfile_WhenTwoIdsMakeTheSameFileName()
    {
        var first = ProfileStore.Load(Path.Combine(RepositoryPaths.Root, "data", "profiles")).All.First();
        ThroughputProfile[] profiles = [first with { Id = "team/a" }, first with { Id = "team_a" }, first with { Id = "TEAM_A" }];
        var zip = Path.Combine(_folder.FullName, "same.zip");
        using (var file = File.Create(zip))
        {
            DataExport.Write(Shipped.Value, profiles, file);
        }

        var unpacked = Path.Combine(_folder.FullName, "same");
        ZipFile.ExtractToDirectory(zip, unpacked);
        var read = ProfileStore.Load(Path.Combine(unpacked, DataExport.ProfilesFolder));

        Assert.Equal(["TEAM_A", "team/a", "team_a"], read.All.Select(p => p.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Snapshot_DigestsWhatItHolds_AndUnpacksToTheSameData_OrNamesWhyNot()
    {
        var profiles = ProfileStore.Load(Path.Combine(RepositoryPaths.Root, "data", "profiles"));
        var (zip, digest) = DataSnapshot.Pack(Shipped.Value, profiles.All);

        // The same data packed again has the same digest; other data has another.
        Assert.Equal(digest, DataSnapshot.Pack(Shipped.Value, profiles.All).Digest);
        Assert.NotEqual(digest, DataSnapshot.Pack(Shipped.Value, profiles.All.Skip(1)).Digest);
        Assert.Matches("^[0-9a-f]{64}$", digest);

        var (catalog, read) = DataSnapshot.Unpack(zip, digest);
        Assert.Equal(Json(Shipped.Value.Prices), Json(catalog.Prices));
        Assert.Equal(Json(Shipped.Value.Regions), Json(catalog.Regions));
        Assert.All(profiles.All, p => Assert.Equal(Json(p), Json(read.All.Single(r => r.Id == p.Id))));

        var other = Assert.Throws<CatalogException>(() => DataSnapshot.Unpack(zip, new string('0', 64)));
        Assert.Contains($"is {digest}, not {new string('0', 64)}", other.Message, StringComparison.Ordinal);
        var broken = Assert.Throws<CatalogException>(() => DataSnapshot.Unpack([1, 2, 3], digest));
        Assert.Contains("is not a zip", broken.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("resnet50-local-cpu-fp32", "resnet50-local-cpu-fp32.json")]
    [InlineData("../etc/passwd", "_etc_passwd.json")]
    [InlineData("my model/v2", "my_model_v2.json")]
    public void ProfileFileNames_StayInTheirFolder(string id, string file) => Assert.Equal(file, DataExport.FileName(id));
}
