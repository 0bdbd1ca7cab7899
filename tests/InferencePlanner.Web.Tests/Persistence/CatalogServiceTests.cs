using InferencePlanner.Core.Catalog;
using InferencePlanner.Web.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace InferencePlanner.Web.Tests.Persistence;

/// <summary>Catalog edits in the real SQLite file: saved with their citation, checked first, kept across restarts.</summary>
public sealed class CatalogServiceTests : IDisposable
{
    private static readonly Lazy<DeviceCatalog> Shipped = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));
    private readonly string _folder = Directory.CreateTempSubdirectory("ip-catalog-db-").FullName;
    private readonly DbContextOptions<PlannerDb> _options;

    public CatalogServiceTests()
    {
        _options = new DbContextOptionsBuilder<PlannerDb>().UseSqlite($"Data Source={Path.Combine(_folder, "catalog.db")};Pooling=False").Options;
        using var db = new PlannerDb(_options);
        db.EnsureSchema();
    }

    private CatalogService NewService() => new(Shipped.Value, new Factory(_options), TimeProvider.System);

    private static Device L4 => Shipped.Value.Devices.Single(d => d.Id == "nvidia-l4");

    [Fact]
    public async Task Edit_IsSavedWithItsCitation_AndSurvivesARestart()
    {
        using (var service = NewService())
        {
            await service.LoadAsync();
            await service.SaveAsync(L4 with { TdpWatts = Fact.Known(65, CatalogService.PendingSource, "2026-11-26") }, "measured at the wall, our rack 12");
        }

        using var restarted = NewService();
        await restarted.LoadAsync();

        Assert.True(restarted.Current.TryGetDevice("nvidia-l4", out var l4));
        Assert.Equal(65, l4.TdpWatts.Value);
        var history = Assert.Single(await restarted.HistoryAsync());
        Assert.Equal(history.SourceKey, l4.TdpWatts.Source);
        Assert.Equal("measured at the wall, our rack 12", restarted.Current.SourceOf(l4.TdpWatts)!.Citation);
        Assert.Equal(L4.MemoryGb, l4.MemoryGb); // figures not edited keep their shipped sources
        Assert.True(restarted.IsEdited(CatalogEntryKind.Device, "nvidia-l4"));
        Assert.Empty(restarted.Problems);
    }

    [Fact]
    public async Task InvalidEdit_SavesNothing_AndLeavesTheCatalogAsItWas()
    {
        using var service = NewService();
        await service.LoadAsync();
        var before = service.Current;

        var ex = await Assert.ThrowsAsync<CatalogException>(() =>
            service.SaveAsync(L4 with { IdleWatts = Fact.Known(500, CatalogService.PendingSource) }, "typo"));
        var uncited = await Assert.ThrowsAsync<CatalogException>(() => service.SaveAsync(L4, "  "));

        Assert.Equal("idleWatts", ex.Field);
        Assert.Equal("citation", uncited.Field);
        Assert.Same(before, service.Current);
        Assert.Empty(await service.HistoryAsync());
        await using var db = new PlannerDb(_options);
        Assert.Equal(0, await db.CatalogEdits.CountAsync());
    }

    [Fact]
    public async Task TwoEditorsOfOneEntry_TheLaterIsRefused_NotSilentlyOverwriting()
    {
        using var service = NewService();
        await service.LoadAsync();
        var opened = service.Current.Devices.Single(d => d.Id == "nvidia-l4");

        await service.SaveAsync(opened with { TdpWatts = Fact.Known(70, CatalogService.PendingSource) }, "alice's meter", basedOn: opened);
        var bob = await Assert.ThrowsAsync<CatalogException>(() =>
            service.SaveAsync(opened with { TdpWatts = Fact.Known(75, CatalogService.PendingSource) }, "bob's meter", basedOn: opened));

        Assert.Contains("saved by someone else", bob.Reason, StringComparison.Ordinal);
        Assert.True(service.Current.TryGetDevice("nvidia-l4", out var l4));
        Assert.Equal(70, l4.TdpWatts.Value);
        Assert.Single(await service.HistoryAsync());
    }

    [Fact]
    public async Task Revert_BringsBackTheShippedEntry_AndKeepsTheHistory()
    {
        using var service = NewService();
        await service.LoadAsync();
        var region = Shipped.Value.Regions.Single(r => r.Id == "gcp-us-central1");

        await service.SaveAsync(region with { Pue = Fact.Known(1.2, CatalogService.PendingSource) }, "our colo's contract");
        Assert.True(service.Current.TryGetRegion("gcp-us-central1", out var edited));
        Assert.Equal(1.2, edited.Pue.Value);

        await service.RevertAsync(CatalogEntryKind.Region, "gcp-us-central1");

        Assert.True(service.Current.TryGetRegion("gcp-us-central1", out var reverted));
        Assert.Same(region, reverted);
        Assert.False(service.IsEdited(CatalogEntryKind.Region, "gcp-us-central1"));
        var history = await service.HistoryAsync();
        Assert.Equal([true, false], history.Select(h => h.Reverted));
    }

    [Fact]
    public async Task AddedDevice_AndItsPrice_RemovingTheDeviceFirstIsRefused()
    {
        using var service = NewService();
        await service.LoadAsync();
        var device = L4 with { Id = "acme-x1", Name = "ACME X1", Vendor = "ACME" };
        var price = Shipped.Value.Prices.First(p => p.DeviceId == "nvidia-l4") with
        {
            DeviceId = "acme-x1",
            UsdPerAcceleratorHour = Fact.Known(0.5, CatalogService.PendingSource),
        };

        await service.SaveAsync(device, "vendor quote Q-17");
        await service.SaveAsync(price, "vendor quote Q-17");

        Assert.Equal(Shipped.Value.Devices.Count + 1, service.Current.Devices.Count);
        Assert.Equal(0.5, Assert.Single(service.Current.PricesFor("acme-x1")).UsdPerAcceleratorHour.Value);
        var ex = await Assert.ThrowsAsync<CatalogException>(() => service.RevertAsync(CatalogEntryKind.Device, "acme-x1"));
        Assert.Equal("deviceId", ex.Field);
        Assert.True(service.Current.TryGetDevice("acme-x1", out _));
    }

    [Fact]
    public async Task SavedEditThatNoLongerFits_IsLeftOutAtStart_WithTheOthersKept()
    {
        using (var service = NewService())
        {
            await service.LoadAsync();
            await service.SaveAsync(L4 with { TdpWatts = Fact.Known(65, CatalogService.PendingSource) }, "our rack");
        }

        // An edit written by something else (or against an older catalog) that the rules now refuse.
        await using (var db = new PlannerDb(_options))
        {
            var bad = System.Text.Json.JsonSerializer.Serialize(
                Shipped.Value.Prices[0] with { Region = "aws-moon-1" }, Core.Scenarios.ScenarioJson.Options);
            db.CatalogEdits.Add(new CatalogEditRecord { Kind = "price", Key = "k", Json = bad, Citation = "old", EditedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        using var restarted = NewService();
        await restarted.LoadAsync();

        var problem = Assert.Single(restarted.Problems);
        Assert.Contains("'aws-moon-1' is not a region", problem, StringComparison.Ordinal);
        Assert.True(restarted.Current.TryGetDevice("nvidia-l4", out var l4));
        Assert.Equal(65, l4.TdpWatts.Value);
        Assert.Equal(Shipped.Value.Prices.Count, restarted.Current.Prices.Count);

        // The edit left out blocks no later one.
        await restarted.SaveAsync(L4 with { TdpWatts = Fact.Known(66, CatalogService.PendingSource) }, "our rack, again");
        Assert.True(restarted.Current.TryGetDevice("nvidia-l4", out var again));
        Assert.Equal(66, again.TdpWatts.Value);
    }

    [Fact]
    public async Task DatabaseFromAnEarlierVersion_GetsTheNewTable_AndKeepsItsRows()
    {
        await using (var db = new PlannerDb(_options))
        {
            db.Profiles.Add(new ProfileRecord { Id = "kept", Json = "{}", SavedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
            await db.Database.ExecuteSqlRawAsync("DROP TABLE \"CatalogEdits\"");
        }

        await using (var db = new PlannerDb(_options))
        {
            Assert.False(db.EnsureSchema());
            Assert.Equal(0, await db.CatalogEdits.CountAsync());
            Assert.Equal("kept", (await db.Profiles.SingleAsync()).Id);
            Assert.False(db.EnsureSchema()); // and again: nothing to add, nothing fails
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private sealed class Factory(DbContextOptions<PlannerDb> options) : IDbContextFactory<PlannerDb>
    {
        public PlannerDb CreateDbContext() => new(options);
    }
}
