using System.Globalization;
using System.Text.Json;
using InferencePlanner.Core.Catalog;
using Microsoft.EntityFrameworkCore;

namespace InferencePlanner.Web.Persistence;

/// <summary>What kind of catalog entry an edit changes.</summary>
public enum CatalogEntryKind
{
    Device,
    Price,
    Region,
}

/// <summary>An edit in the catalog's history, for the page that lists them.</summary>
public sealed record CatalogEditInfo(int Id, CatalogEntryKind Kind, string Key, bool Reverted, string Citation, DateTimeOffset EditedAt, string SourceKey);

/// <summary>
/// The catalog the app plans with: the shipped files with the team's edits from the database applied over
/// them. An edit is checked against the whole catalog before it is saved (an error names the field); every
/// edit is kept with its citation, which becomes a source of the figures it sets. Readers take
/// <see cref="Current"/>, an immutable snapshot, so a plan in progress never sees half an edit.
/// </summary>
public sealed class CatalogService : IDisposable
{
    private readonly IDbContextFactory<PlannerDb> _factory;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private volatile DeviceCatalog _current;
    private volatile CatalogOverlay _overlay = CatalogOverlay.Empty;
    private IReadOnlyList<string> _problems = [];

    public CatalogService(DeviceCatalog shipped, IDbContextFactory<PlannerDb> factory, TimeProvider clock)
    {
        Shipped = shipped;
        _factory = factory;
        _clock = clock;
        _current = shipped;
    }

    public void Dispose() => _writeLock.Dispose();

    /// <summary>The catalog as shipped in data/catalog.</summary>
    public DeviceCatalog Shipped { get; }

    /// <summary>The catalog with every edit applied.</summary>
    public DeviceCatalog Current => _current;

    /// <summary>Saved edits that no longer fit the shipped catalog (e.g. a price for a device since removed), left out.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Raised after an edit is saved or reverted.</summary>
    public event Action? Changed;

    /// <summary>The source key an edit's figures cite.</summary>
    public static string SourceKey(int editId) => $"edit-{editId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The key of an entry (see <see cref="CatalogOverlay"/>).</summary>
    public static string KeyOf(object entry) => entry switch
    {
        Device d => d.Id,
        Region r => r.Id,
        Price p => CatalogOverlay.PriceKey(p),
        _ => throw new ArgumentException($"{entry.GetType().Name} is not a catalog entry", nameof(entry)),
    };

    /// <summary>Reads the saved edits and applies them (at start); an edit that no longer fits is listed in <see cref="Problems"/>.</summary>
    public async Task LoadAsync(CancellationToken cancellation = default)
    {
        await _writeLock.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            var edits = await ReadEditsAsync(cancellation).ConfigureAwait(false);
            var problems = new List<string>();
            var overlay = CatalogOverlay.Empty;
            var catalog = Shipped;
            // One by one, so that one edit that no longer fits does not take the others with it.
            foreach (var edit in edits)
            {
                var candidate = With(overlay, edit);
                try
                {
                    catalog = candidate.ApplyTo(Shipped);
                    overlay = candidate;
                }
                catch (CatalogException e)
                {
                    problems.Add($"edit {edit.Id} of {edit.Kind.ToLowerInvariant()} '{edit.Key}' ({edit.Citation}) no longer fits the shipped catalog and is left out: {e.Reason}");
                }
            }

            _problems = problems;
            _overlay = overlay;
            _current = catalog;
        }
        finally
        {
            _writeLock.Release();
        }

        Changed?.Invoke();
    }

    /// <summary>
    /// Saves <paramref name="entry"/> (a <see cref="Device"/>, <see cref="Price"/> or <see cref="Region"/>), replacing the
    /// entry with its key or adding it. Figures whose <see cref="Fact.Source"/> is <see cref="PendingSource"/> cite this
    /// edit. Throws <see cref="CatalogException"/> naming the field when the catalog would not be valid; nothing is saved then.
    /// </summary>
    /// <param name="entry">The entry as it is to be.</param>
    /// <param name="citation">Where its new figures come from.</param>
    /// <param name="basedOn">The entry as it was when the editor opened it: if it has changed since (someone else saved
    /// it), the save is refused rather than overwriting that edit unseen. Null to skip the check.</param>
    /// <param name="cancellation">Cancels the save.</param>
    public async Task<DeviceCatalog> SaveAsync(object entry, string citation, object? basedOn = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrWhiteSpace(citation))
        {
            throw new CatalogException("edit", KindOf(entry).ToString().ToLowerInvariant(), "citation", "say where the new figures come from (a contract, a datasheet, a measurement)");
        }

        return await WriteAsync(KindOf(entry), KeyOf(entry), entry, citation.Trim(), basedOn, cancellation).ConfigureAwait(false);
    }

    /// <summary>Returns an edited entry to the shipped one (or removes an added one); the history keeps both.</summary>
    public Task<DeviceCatalog> RevertAsync(CatalogEntryKind kind, string key, CancellationToken cancellation = default) =>
        WriteAsync(kind, key, null, "back to the shipped entry", null, cancellation);

    /// <summary>Every edit, newest first.</summary>
    public async Task<IReadOnlyList<CatalogEditInfo>> HistoryAsync(CancellationToken cancellation = default)
    {
        var edits = await ReadEditsAsync(cancellation).ConfigureAwait(false);
        return [.. edits.AsEnumerable().Reverse().Select(e => new CatalogEditInfo(
            e.Id, Enum.Parse<CatalogEntryKind>(e.Kind, ignoreCase: true), e.Key, e.Json is null, e.Citation, e.EditedAt, SourceKey(e.Id)))];
    }

    /// <summary>Whether the current entry with this key comes from an edit.</summary>
    public bool IsEdited(CatalogEntryKind kind, string key)
    {
        var overlay = _overlay;
        return kind switch
        {
            CatalogEntryKind.Device => overlay.Devices.Any(d => d.Id == key),
            CatalogEntryKind.Region => overlay.Regions.Any(r => r.Id == key),
            _ => overlay.Prices.Any(p => CatalogOverlay.PriceKey(p) == key),
        };
    }

    /// <summary>The current entry with this key, or null.</summary>
    private object? CurrentEntry(CatalogEntryKind kind, string key) => kind switch
    {
        CatalogEntryKind.Device => Current.TryGetDevice(key, out var d) ? d : null,
        CatalogEntryKind.Region => Current.TryGetRegion(key, out var r) ? r : null,
        _ => Current.Prices.FirstOrDefault(p => CatalogOverlay.PriceKey(p) == key),
    };

    /// <summary>The placeholder source a new figure cites until its edit is saved and numbered.</summary>
    public const string PendingSource = "edit-pending";

    private async Task<DeviceCatalog> WriteAsync(CatalogEntryKind kind, string key, object? entry, string citation, object? basedOn, CancellationToken cancellation)
    {
        await _writeLock.WaitAsync(cancellation).ConfigureAwait(false);
        DeviceCatalog catalog;
        try
        {
            if (basedOn is not null && !Equals(CurrentEntry(kind, KeyOf(basedOn)), basedOn))
            {
                throw new CatalogException("edit", $"{kind.ToString().ToLowerInvariant()} '{KeyOf(basedOn)}'", "(entry)",
                    "was saved by someone else since you opened it: cancel and open it again to see the change");
            }

            await using var db = await _factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellation).ConfigureAwait(false);
            var record = new CatalogEditRecord
            {
                Kind = kind.ToString().ToLowerInvariant(),
                Key = key,
                Json = null,
                Citation = citation,
                EditedAt = _clock.GetUtcNow(),
            };
            db.CatalogEdits.Add(record);
            await db.SaveChangesAsync(cancellation).ConfigureAwait(false);

            // Now that the edit has its number, its figures cite it.
            if (entry is not null)
            {
                record.Json = JsonSerializer.Serialize(entry, entry.GetType(), Core.Scenarios.ScenarioJson.Options)
                    .Replace($"\"{PendingSource}\"", $"\"{SourceKey(record.Id)}\"", StringComparison.Ordinal);
            }

            // On top of the edits in force: those left out at start (Problems) stay out and block nothing.
            var overlay = With(_overlay, record);
            catalog = overlay.ApplyTo(Shipped); // throws, naming the field, before anything is committed
            await db.SaveChangesAsync(cancellation).ConfigureAwait(false);
            await transaction.CommitAsync(cancellation).ConfigureAwait(false);
            _overlay = overlay;
            _current = catalog;
        }
        finally
        {
            _writeLock.Release();
        }

        Changed?.Invoke();
        return catalog;
    }

    private async Task<List<CatalogEditRecord>> ReadEditsAsync(CancellationToken cancellation)
    {
        await using var db = await _factory.CreateDbContextAsync(cancellation).ConfigureAwait(false);
        return await db.CatalogEdits.AsNoTracking().OrderBy(e => e.Id).ToListAsync(cancellation).ConfigureAwait(false);
    }

    private static CatalogEntryKind KindOf(object entry) => entry switch
    {
        Device => CatalogEntryKind.Device,
        Price => CatalogEntryKind.Price,
        Region => CatalogEntryKind.Region,
        _ => throw new ArgumentException($"{entry.GetType().Name} is not a catalog entry", nameof(entry)),
    };

    /// <summary>The overlay with one more edit: its entry replaces (or, reverted, drops) the one with its key.</summary>
    private static CatalogOverlay With(CatalogOverlay overlay, CatalogEditRecord edit)
    {
        var sources = new Dictionary<string, Source>(overlay.Sources, StringComparer.Ordinal);
        var date = edit.EditedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (edit.Json is not null)
        {
            sources[SourceKey(edit.Id)] = new Source(edit.Citation, date);
        }

        var options = Core.Scenarios.ScenarioJson.Options;
        return edit.Kind switch
        {
            "device" => overlay with
            {
                Sources = sources,
                Devices = Replace(overlay.Devices, d => d.Id == edit.Key, edit.Json is null ? null : JsonSerializer.Deserialize<Device>(edit.Json, options)),
            },
            "region" => overlay with
            {
                Sources = sources,
                Regions = Replace(overlay.Regions, r => r.Id == edit.Key, edit.Json is null ? null : JsonSerializer.Deserialize<Region>(edit.Json, options)),
            },
            "price" => overlay with
            {
                Sources = sources,
                Prices = Replace(overlay.Prices, p => CatalogOverlay.PriceKey(p) == edit.Key, edit.Json is null ? null : JsonSerializer.Deserialize<Price>(edit.Json, options)),
            },
            _ => overlay,
        };
    }

    private static List<T> Replace<T>(IReadOnlyList<T> entries, Func<T, bool> sameKey, T? replacement)
        where T : class
    {
        var list = entries.Where(e => !sameKey(e)).ToList();
        if (replacement is not null)
        {
            list.Add(replacement);
        }

        return list;
    }
}
