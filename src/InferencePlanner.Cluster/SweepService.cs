using System.Net;
using System.Net.Sockets;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;

namespace InferencePlanner.Cluster;

/// <summary>Sweeps as the API and the dashboard see them: start one, read where it stands, cancel it; the work runs on the cluster.</summary>
public sealed class SweepService(IGrainFactory grains)
{
    /// <summary>
    /// Starts a sweep under a new id: the id, or the document's problems in words (nothing started). With
    /// <paramref name="catalog"/> (and <paramref name="profiles"/>) the sweep computes with them on every silo: they are
    /// packed (<see cref="DataSnapshot"/>) and stored in the cluster first; without, each silo uses its own.
    /// </summary>
    public async Task<(Guid Id, string? Problem)> StartAsync(string sweepJson, int maxVariants, DeviceCatalog? catalog = null, IEnumerable<ThroughputProfile>? profiles = null)
    {
        ArgumentNullException.ThrowIfNull(sweepJson);
        var id = Guid.NewGuid();
        string? digest = null;
        if (catalog is not null)
        {
            // Every silo, this one included, computes with the data as unpacked from the store (each machine's local-cpu aside).
            var (zip, packed) = DataSnapshot.Pack(catalog, profiles ?? []);
            digest = packed;
            await RetriedAsync(async () =>
            {
                await grains.GetGrain<ISweepDataGrain>(packed).StoreAsync(zip).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }

        // A repeated start of the same sweep does nothing, so a start that failed on the way is simply tried again.
        var problem = await RetriedAsync(() => grains.GetGrain<ISweepGrain>(id).StartAsync(sweepJson, maxVariants, digest)).ConfigureAwait(false);
        return (id, problem);
    }

    /// <summary>Calls to the cluster tried this many times, a little longer apart each time, before <see cref="ClusterUnavailableException"/>.</summary>
    public const int Attempts = 4;

    /// <summary>
    /// Where the sweep stands; null when no sweep has this id. A silo that just died (the coordinator's, or its directory
    /// entry's) makes a call fail until the cluster has moved on: the call is tried again, then reported unavailable.
    /// </summary>
    public async Task<SweepStatus?> StatusAsync(Guid id)
    {
        var status = await RetriedAsync(() => grains.GetGrain<ISweepGrain>(id).GetStatusAsync()).ConfigureAwait(false);
        return status.Total == 0 ? null : status;
    }

    private static async Task<T> RetriedAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or OperationCanceledException)
            {
                if (attempt == Attempts)
                {
                    throw new ClusterUnavailableException($"the cluster did not answer after {Attempts} tries ({ex.Message})", ex);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Cancels the sweep; false when no sweep has this id.</summary>
    public async Task<bool> CancelAsync(Guid id)
    {
        if (await StatusAsync(id).ConfigureAwait(false) is null)
        {
            return false;
        }

        await RetriedAsync(async () =>
        {
            await grains.GetGrain<ISweepGrain>(id).CancelAsync().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return true;
    }

    /// <summary>A TCP port free on the loopback now: an embedded silo's ports, so that several apps (or tests) run side by side.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The cluster did not answer in time (a silo just died, or none is up): try again shortly.</summary>
public sealed class ClusterUnavailableException(string message, Exception inner) : Exception(message, inner);
