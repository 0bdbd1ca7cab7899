using System.Collections.Concurrent;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;

namespace InferencePlanner.Cluster;

/// <summary>
/// The catalog and profiles a sweep was started under, stored once in the cluster by their digest
/// (<see cref="DataSnapshot"/>): every silo reads them from here, so a worker computes with the dashboard's catalog
/// (the team's edits included), not the one in its own <c>data/</c> folder.
/// </summary>
public interface ISweepDataGrain : IGrainWithStringKey
{
    /// <summary>Keeps the zip under this grain's key, its digest (a second store of the same data does nothing).</summary>
    Task StoreAsync(byte[] zip);

    /// <summary>The zip, or an empty array when none was stored under this digest.</summary>
    Task<byte[]> GetAsync();
}

[GenerateSerializer]
public sealed class SweepDataState
{
    [Id(0)] public byte[] Zip { get; set; } = [];
}

public sealed class SweepDataGrain([PersistentState("data", SweepGrain.Storage)] IPersistentState<SweepDataState> state) : Grain, ISweepDataGrain
{
    public async Task StoreAsync(byte[] zip)
    {
        ArgumentNullException.ThrowIfNull(zip);
        if (state.State.Zip.Length > 0)
        {
            return;
        }

        var digest = DataSnapshot.Digest(zip);
        if (!string.Equals(digest, this.GetPrimaryKeyString(), StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"the data's digest is {digest}, not this grain's {this.GetPrimaryKeyString()}", nameof(zip));
        }

        state.State.Zip = zip;
        await state.WriteStateAsync();
    }

    public Task<byte[]> GetAsync() => Task.FromResult(state.State.Zip);
}

/// <summary>
/// A silo's cache of sweep data by digest: read from the cluster and unpacked once per silo, however many chunks
/// use it (the dashboard's silo too: every silo computes with the same catalog and profiles, but for the
/// <c>local-cpu</c> device, which each machine describes as itself).
/// </summary>
public sealed class SweepData
{
    /// <summary>Snapshots kept at once; beyond it the cache starts over (a sweep's chunks read it again once).</summary>
    public const int Kept = 8;

    private readonly ConcurrentDictionary<string, Lazy<Task<(DeviceCatalog Catalog, ProfileStore Profiles)>>> _cache = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The catalog and profiles stored under <paramref name="digest"/>; an <see cref="InvalidOperationException"/> naming
    /// the digest when the cluster holds none, or what it holds is not that data. A failed read is not kept.
    /// </summary>
    public async Task<(DeviceCatalog Catalog, ProfileStore Profiles)> GetAsync(string digest, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(digest);
        ArgumentNullException.ThrowIfNull(grains);
        if (!_cache.ContainsKey(digest))
        {
            Trim();
        }

        var entry = _cache.GetOrAdd(digest, d => new Lazy<Task<(DeviceCatalog, ProfileStore)>>(() => ReadAsync(d, grains)));
        try
        {
            return await entry.Value.ConfigureAwait(false);
        }
        catch
        {
            _cache.TryRemove(new KeyValuePair<string, Lazy<Task<(DeviceCatalog, ProfileStore)>>>(digest, entry));
            throw;
        }
    }

    private static async Task<(DeviceCatalog, ProfileStore)> ReadAsync(string digest, IGrainFactory grains)
    {
        var zip = await grains.GetGrain<ISweepDataGrain>(digest).GetAsync().ConfigureAwait(false);
        if (zip.Length == 0)
        {
            throw new InvalidOperationException($"the sweep's catalog and profiles ({digest[..Math.Min(12, digest.Length)]}…) are not stored in the cluster");
        }

        try
        {
            return DataSnapshot.Unpack(zip, digest);
        }
        catch (Exception ex) when (ex is CatalogException or InvalidDataException or IOException)
        {
            throw new InvalidOperationException($"the sweep's catalog and profiles ({digest[..Math.Min(12, digest.Length)]}…) cannot be read: {ex.Message}", ex);
        }
    }

    private void Trim()
    {
        if (_cache.Count >= Kept)
        {
            _cache.Clear();
        }
    }
}
