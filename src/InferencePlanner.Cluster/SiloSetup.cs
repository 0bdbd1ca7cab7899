using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace InferencePlanner.Cluster;

/// <summary>What a silo needs to run sweeps: the catalog and profiles the variants read, the sweeps' storage, the directory.</summary>
public static class SiloSetup
{
    /// <summary>
    /// Adds sweeps to a silo: <paramref name="catalog"/> and <paramref name="profiles"/> for the variants, in-memory grain
    /// storage for the sweep state unless a store named <see cref="SweepGrain.Storage"/> is already registered, and the
    /// strongly consistent grain directory (a coordinator must never run twice under churn).
    /// </summary>
    /// <param name="catalog">The catalog the variants read; null when the host registers its own (the dashboard's, with the team's edits).</param>
    /// <param name="chunkSlots">Chunks this silo computes at once; by default every core (a lone silo), <see cref="ChunkSlots.ForCluster"/> in a cluster.</param>
    public static ISiloBuilder AddSweeps(this ISiloBuilder silo, DeviceCatalog? catalog = null, ProfileStore? profiles = null, bool memoryStorage = true, int? chunkSlots = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (catalog is not null)
        {
            silo.Services.TryAddSingleton(catalog);
        }

        silo.Services.TryAddSingleton(profiles ?? ProfileStore.Empty);
        silo.Services.TryAddSingleton(new ChunkSlots(chunkSlots ?? Environment.ProcessorCount));
        silo.Services.TryAddSingleton<SweepData>();
        if (memoryStorage)
        {
            silo.AddMemoryGrainStorage(SweepGrain.Storage);
        }

#pragma warning disable ORLEANSEXP003 // the strongly consistent directory: the one the coordinator needs
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        return silo;
    }
}
