using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;

namespace InferencePlanner.Web.Persistence;

/// <summary>A saved scenario: its current document and a version that rises with every save.</summary>
public sealed class ScenarioRecord
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string Json { get; set; }
    public bool IsDemo { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Optimistic concurrency: a save based on an older version is refused, not silently lost.</summary>
    [ConcurrencyCheck]
    public int Version { get; set; } = 1;

    public List<ScenarioVersion> History { get; set; } = [];
}

/// <summary>Every saved version of a scenario's document.</summary>
public sealed class ScenarioVersion
{
    public int Id { get; set; }
    public int ScenarioId { get; set; }
    public int Version { get; set; }
    public required string Json { get; set; }
    public DateTimeOffset SavedAt { get; set; }
}

/// <summary>A run of long work (simulate, forecast, calibrate) and its result, kept whether or not anyone watches.</summary>
public sealed class RunRecord
{
    public Guid Id { get; set; }
    public int? ScenarioId { get; set; }
    public int? ScenarioVersion { get; set; }
    public required string Kind { get; set; }
    public required string Status { get; set; }
    public string? ResultJson { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>A throughput profile saved from the dashboard (calibrated or projected).</summary>
public sealed class ProfileRecord
{
    public required string Id { get; set; }
    public required string Json { get; set; }
    public DateTimeOffset SavedAt { get; set; }
}

/// <summary>
/// One change to the catalog: the whole entry as it stands after the edit (null when it went back to the
/// shipped entry) and the citation the person gave for it. Every edit is kept; the latest per key applies.
/// </summary>
public sealed class CatalogEditRecord
{
    public int Id { get; set; }

    /// <summary>device, price or region.</summary>
    public required string Kind { get; set; }

    /// <summary>The entry's key (see CatalogOverlay): a device or region id, a price's key.</summary>
    public required string Key { get; set; }

    public string? Json { get; set; }
    public required string Citation { get; set; }
    public DateTimeOffset EditedAt { get; set; }
}

public sealed class PlannerDb(DbContextOptions<PlannerDb> options) : DbContext(options)
{
    public DbSet<ScenarioRecord> Scenarios => Set<ScenarioRecord>();
    public DbSet<ScenarioVersion> ScenarioVersions => Set<ScenarioVersion>();
    public DbSet<RunRecord> Runs => Set<RunRecord>();
    public DbSet<ProfileRecord> Profiles => Set<ProfileRecord>();
    public DbSet<CatalogEditRecord> CatalogEdits => Set<CatalogEditRecord>();

    /// <summary>
    /// Creates the database on first start; in a database an earlier version made, adds the tables and
    /// indexes added since (every statement of the create script, made idempotent). Returns whether the
    /// database was new.
    /// </summary>
    public bool EnsureSchema()
    {
        if (Database.EnsureCreated())
        {
            return true;
        }

        var script = Database.GenerateCreateScript()
            .Replace("CREATE TABLE \"", "CREATE TABLE IF NOT EXISTS \"", StringComparison.Ordinal)
            .Replace("CREATE UNIQUE INDEX \"", "CREATE UNIQUE INDEX IF NOT EXISTS \"", StringComparison.Ordinal)
            .Replace("CREATE INDEX \"", "CREATE INDEX IF NOT EXISTS \"", StringComparison.Ordinal);
#pragma warning disable EF1002 // the script is the model's own, not user input
        Database.ExecuteSqlRaw(script);
#pragma warning restore EF1002
        return false;
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<ScenarioRecord>().HasIndex(s => s.Name);
        modelBuilder.Entity<ScenarioRecord>().HasMany(s => s.History).WithOne().HasForeignKey(v => v.ScenarioId);
        modelBuilder.Entity<ScenarioVersion>().HasIndex(v => new { v.ScenarioId, v.Version }).IsUnique();
        modelBuilder.Entity<RunRecord>().HasIndex(r => r.ScenarioId);
        // SQLite has no DateTimeOffset ordering: store UTC ticks.
        modelBuilder.Entity<ScenarioRecord>().Property(s => s.UpdatedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        modelBuilder.Entity<ScenarioVersion>().Property(s => s.SavedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        modelBuilder.Entity<RunRecord>().Property(s => s.CreatedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        modelBuilder.Entity<RunRecord>().Property(s => s.FinishedAt).HasConversion(v => v == null ? (long?)null : v.Value.UtcTicks, v => v == null ? null : new DateTimeOffset(v.Value, TimeSpan.Zero));
        modelBuilder.Entity<CatalogEditRecord>().HasIndex(e => new { e.Kind, e.Key });
        modelBuilder.Entity<CatalogEditRecord>().Property(s => s.EditedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        modelBuilder.Entity<ProfileRecord>().Property(s => s.SavedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
    }
}
